/** A path written in a file, relative to the folder that the tool reading the file resolves it against. */
export interface PathReference {
  path: string;
  /** The entry as a message names it, such as `[dependencies] lib = { path = "../lib" }`. */
  entry: string;
}

/** An entry that should declare a path but cannot be read. */
export interface InvalidEntry {
  entry: string;
  reason: string;
}

/** The `members` and `exclude` lists of a uv or Cargo workspace table. */
export interface WorkspaceMemberGlobs {
  /** One reference per `members` entry; its `path` is a glob or a plain path. */
  members: PathReference[];
  exclude: PathReference[];
}
