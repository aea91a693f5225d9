/* files: small file-system steps several modules take the same way. */
#ifndef EM_CORE_FILES_H
#define EM_CORE_FILES_H

#include <stddef.h>

/* mkdir -p of path[0..n) with mode 0700 for what it creates: 0 when it is a
 * directory afterwards, else an errno value (ENOTDIR when something else is
 * in the way). */
int files_mkdirs(const char *path, size_t n);

#endif
