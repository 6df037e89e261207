import CLibGit2
// Swift wrapper over libgit2.
