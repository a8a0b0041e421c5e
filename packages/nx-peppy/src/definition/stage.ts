import { checkBaseImage } from './base-image';
import { describeStage, type DiagnosticList } from './diagnostics';
import { readStageFiles, type StageCopy } from './files';
import { checkBootstrap, checkHeaderSyntax, readHeader } from './header';
import { type SourceLine, trimSpace } from './lines';
import { outlineStage, type StageOutline } from './outline';
import { checkHostSections, checkSectionHeading, toSection } from './sections';
import {
  type ArgumentDefault,
  readArgumentDefaults,
  resolveArgument,
  type ArgumentScope,
  templateLine,
} from './template';
import type { Stage } from './types';

/** A stage read from the file, with what the checks across stages need. */
export interface StageReading {
  stage: Stage;
  defaults: Map<string, ArgumentDefault>;
  /** Placeholders with no value, each with the first line it appears on. */
  undefinedNames: Map<string, number>;
  /** Names of the placeholders this stage replaced. */
  used: Set<string>;
  copies: StageCopy[];
}

export function emptyStage(index: number): Stage {
  return { index, header: {}, headerLines: {}, sections: [], files: [], arguments: {} };
}

function hasHeaderText(outline: StageOutline): boolean {
  return outline.header.some((line) => {
    const text = trimSpace(line.text);
    return text !== '' && !text.startsWith('#');
  });
}

/** Reports the section lines and header lines that Apptainer rejects before templating. */
function checkStructure(outline: StageOutline, diagnostics: DiagnosticList): void {
  checkHeaderSyntax(outline.header, diagnostics);
  for (const section of outline.sections) {
    checkSectionHeading(section.heading.line, section.heading.text, diagnostics);
  }
}

/** Replaces the placeholders of every line of a stage and outlines the result again. */
function templateStage(outline: StageOutline, scope: ArgumentScope) {
  const used = new Set<string>();
  const undefinedNames = new Map<string, number>();

  const lines: SourceLine[] = outline.lines.map((source) => {
    const templated = templateLine(source, scope);
    templated.used.forEach((name) => used.add(name));
    for (const name of templated.undefinedNames) {
      if (!undefinedNames.has(name)) undefinedNames.set(name, source.line);
    }
    return { text: templated.text, line: templated.line };
  });

  return { templated: outlineStage(lines), used, undefinedNames };
}

/** Fills the header fields of a stage from its templated header lines. */
function readStageHeader(templated: StageOutline, index: number): Stage {
  const stage = emptyStage(index);

  for (const entry of readHeader(templated.header).entries) {
    stage.header[entry.key] = entry.value;
    stage.headerLines[entry.key] = entry.line;
  }

  const { header } = stage;
  if (header.stage !== undefined) stage.name = header.stage;
  if (header.bootstrap !== undefined) stage.bootstrap = header.bootstrap;
  if (header.from !== undefined) stage.from = header.from;
  if (header.bootstrap !== undefined && header.from) stage.localImage = localBasePath(header.bootstrap, header.from);
  return stage;
}

/**
 * Agents that read the base from a host path: a `.sif` file or sandbox
 * folder, an OCI layout folder, or an OCI or Docker archive.
 */
const HOST_PATH_AGENTS: ReadonlySet<string> = new Set(['localimage', 'oci', 'oci-archive', 'docker-archive']);

/**
 * Returns the host path of a base that an agent reads from the host.
 * Apptainer 1.4.5 reads the whole `From:` of `localimage` and `oci` as the
 * path (`oci` with `layout:tag` fails on a missing `layout:tag/index.json`),
 * but opens an archive at the part before the first colon.
 */
function localBasePath(bootstrap: string, from: string): string | undefined {
  if (!HOST_PATH_AGENTS.has(bootstrap)) return undefined;
  if (bootstrap === 'localimage' || bootstrap === 'oci') return from;

  const colon = from.indexOf(':');
  return colon < 0 ? from : from.slice(0, colon);
}

/** Reports a stage without header, or a missing or invalid `Bootstrap:` in its header. */
function checkStageHeader(outline: StageOutline, stage: Stage, stageCount: number, diagnostics: DiagnosticList): void {
  const label = describeStage(stage.index, stage.name);
  const firstLine = outline.lines[0].line;

  if (hasHeaderText(outline)) {
    const aboveFirstBootstrap = stageCount > 1 && !/^bootstrap:/i.test(outline.lines[0].text);
    checkBootstrap(stage.header, stage.headerLines, { label, firstLine, aboveFirstBootstrap }, diagnostics);
    return;
  }

  diagnostics.error(
    'missing-header',
    firstLine,
    stageCount === 1
      ? 'the definition file has no header: Apptainer needs a "Bootstrap:" line above the first section'
      : `${label} has no header: the sections above the first "Bootstrap:" line form a stage of their own, and every stage needs a header`,
    stageCount === 1
      ? 'start the file with a header such as "Bootstrap: docker" and "From: IMAGE@sha256:DIGEST"'
      : 'move these sections below a "Bootstrap:" line, or delete them',
  );
}

/**
 * Reads one stage as Apptainer does: it checks the raw text, reads the `%arguments` values,
 * replaces the placeholders, and parses the templated text again for the header values and
 * the sections.
 */
export function readStage(
  outline: StageOutline,
  index: number,
  stageCount: number,
  buildArgs: ReadonlyMap<string, string>,
  diagnostics: DiagnosticList,
): StageReading {
  checkStructure(outline, diagnostics);

  const defaults = readArgumentDefaults(outline.sections, diagnostics);
  const scope: ArgumentScope = { buildArgs, defaults };
  const { templated, used, undefinedNames } = templateStage(outline, scope);

  const stage = readStageHeader(templated, index);

  const headingTexts = new Map(templated.sections.map((section) => [section.heading.line, section.heading.text]));
  stage.sections = templated.sections.map(toSection);
  const { entries, copies } = readStageFiles(stage.sections, headingTexts, diagnostics);
  stage.files = entries;

  for (const name of defaults.keys()) {
    stage.arguments[name] = resolveArgument(name, scope) ?? '';
  }

  const label = describeStage(index, stage.name);
  checkStageHeader(outline, stage, stageCount, diagnostics);
  checkBaseImage(stage.bootstrap, stage.from, stage.headerLines.from, label, diagnostics);
  checkHostSections(stage.sections, label, diagnostics);

  return { stage, defaults, undefinedNames, used, copies };
}
