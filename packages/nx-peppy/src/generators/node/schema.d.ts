export type Toolchain = 'uv' | 'cargo';
export type ManifestFormatOption = 'schema_version-1' | 'node/v1';

export interface NodeGeneratorSchema {
  name: string;
  /** Node folder relative to the workspace root; default: the node name. */
  directory?: string;
  toolchain?: Toolchain;
  container?: boolean;
  /** Default `0.1.0` for `schema_version-1`, `v1` for `node/v1`. */
  tag?: string;
  format?: ManifestFormatOption;
  /** `From:` of the definition file. */
  baseImage?: string;
  /** `Bootstrap:` of the definition file. */
  bootstrap?: string;
  skipFormat?: boolean;
}
