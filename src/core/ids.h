/* ids: UUIDv7 identifiers (time-ordered, random tail) for rows and request ids.
 *
 * The random bits come from a per-thread generator seeded once from the kernel's
 * CSPRNG (getrandom); ids are unique and unguessable enough for row keys and
 * request ids, but are not secrets: tokens use libsodium's CSPRNG directly. */
#ifndef EM_CORE_IDS_H
#define EM_CORE_IDS_H

#include <stdbool.h>

#define ID_UUID_LEN 36

/* Writes a new lowercase UUIDv7 and its NUL into out. Thread-safe. */
void id_uuid7(char out[ID_UUID_LEN + 1]);
/* True when s is a canonical UUID text (any version, either case). */
bool id_is_uuid(const char *s);
/* Fill buf with n bytes from the kernel CSPRNG; 0 or EM_E_IO. */
int id_random_bytes(void *buf, unsigned n);

#endif
