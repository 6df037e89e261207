#ifndef TAKUMI_CLIBGIT2_SHIM_H
#define TAKUMI_CLIBGIT2_SHIM_H
#include <git2.h>
/* git_repository_set_index: used to honor GIT_INDEX_FILE where libgit2 1.5 cannot (GIT_WORK_TREE). */
#include <git2/sys/repository.h>
#include <malloc.h>
#include <stddef.h>

/* git_libgit2_opts is variadic, which Swift cannot call; wrap the options we use. */
static inline int takumi_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

/* Heap bytes in use (glibc mallinfo2), for the leak tests that loop libgit2 operations:
   Swift cannot call a C function returning a struct it does not import, so read it here. */
static inline size_t takumi_heap_bytes_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}
#endif
