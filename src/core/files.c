/* files: see files.h. */
#include "core/files.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/mem.h"

int files_mkdirs(const char *path, size_t n)
{
    char *p = em_strndup(path, n);
    int e = 0;
    for (size_t i = 1; i <= n && e == 0; i++) {
        if (i < n && p[i] != '/')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            e = errno;
        if (i < n)
            p[i] = '/';
    }
    if (e == 0) {
        struct stat st;
        if (stat(p, &st) != 0)
            e = errno;
        else if (!S_ISDIR(st.st_mode))
            e = ENOTDIR;
    }
    free(p);
    return e;
}
