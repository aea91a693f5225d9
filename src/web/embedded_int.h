/* embedded_int: the web UI's files as compiled into the binary, written at
 * build time by cmake/web_embed.c from web/ into
 * <build>/generated/web_embedded.c. Read only through webstore (store.h). */
#ifndef EM_WEB_EMBEDDED_INT_H
#define EM_WEB_EMBEDDED_INT_H

#include <stddef.h>

#include "web/asset.h"

/* The files in strcmp order of their paths (static; count may be 0: a build
 * without web/). */
extern const asset web__embedded[];
extern const size_t web__embedded_count;
/* The bundle hash (asset.h) of those files. */
extern const char web__embedded_hash[];

#endif
