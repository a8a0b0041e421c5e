/** A problem found in a definition file, with the line it sits on and the fix. */
export interface DefinitionDiagnostic {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based line number, or 0 when the problem is not on a line of the file (an unused `--build-arg`). */
  line: number;
  message: string;
  fix: string;
  /** Short stable identifier, such as `unknown-section`. */
  code: string;
}

/** One source of a `%files` or `%appfiles` section. */
export interface FilesEntry {
  /**
   * Path as Apptainer reads it, after templating and with double quotes removed. A host source
   * is relative to the working directory of `apptainer build`. A `fromStage` source is a path
   * inside that stage.
   */
  source: string;
  destination?: string;
  /** Stage named by `%files from STAGE`; the source is not a host path then. */
  fromStage?: string;
  /**
   * SCIF app of an `%appfiles NAME` section. Apptainer copies these host paths literally (no glob
   * expansion) to a destination relative to the app folder `/scif/apps/NAME`.
   */
  app?: string;
  line: number;
}

export interface Section {
  /** Lowercase name as Apptainer compares it, such as `post`, or `files\t` for `%files` and a TAB. */
  name: string;
  /** Trimmed text after the name, such as `-c /bin/bash` or `from build`. */
  args: string;
  line: number;
  /** Body lines after templating, blank and comment lines included. */
  lines: { text: string; line: number }[];
}

export interface Stage {
  /** 0-based position among the stages of the file. */
  index: number;
  /** Value of the `Stage:` header key. */
  name?: string;
  /** Header keys in lowercase, with templated values. */
  header: Record<string, string>;
  /** Line of each header key, under the same lowercase key. */
  headerLines: Record<string, number>;
  bootstrap?: string;
  from?: string;
  /**
   * Host path of the base: `From:` of a `localimage` stage (a `.sif` file or sandbox folder), or
   * of an `oci` stage (a layout folder), or the part before the first colon for `oci-archive` and
   * `docker-archive` (a tar file).
   */
  localImage?: string;
  sections: Section[];
  /** Host sources and from-stage entries of `%files`, and host sources of `%appfiles`, templated. */
  files: FilesEntry[];
  /**
   * Names declared in this stage's `%arguments` section, with the value `{{ NAME }}` takes in this
   * stage: a `--build-arg` or `--build-arg-file` value wins over the `%arguments` value.
   */
  arguments: Record<string, string>;
}

export interface Definition {
  file: string;
  /** Stages in file order. Never empty: a file with no stage yields one empty stage and an error. */
  stages: Stage[];
  /** The last stage, the only one that becomes the image. */
  finalStage: Stage;
  diagnostics: DefinitionDiagnostic[];
}

export interface ParseOptions {
  /** Path of the definition file, used in diagnostics. */
  file: string;
  /** `--build-arg NAME=value` pairs; they win over `buildArgFile`. */
  buildArgs?: Record<string, string>;
  /** Pairs read from the `--build-arg-file`, see `parseBuildArgFile`. */
  buildArgFile?: Record<string, string>;
  /** Mirrors `apptainer build --warn-unused-build-args`: an unused build argument is a warning, not an error. */
  warnUnusedBuildArgs?: boolean;
}
