/* audit: the security event log (audit_log table): logins ok and failed,
 * registrations, password and role changes, refresh token reuse, logouts,
 * tutor assignments. Recording never fails the request that caused it: a write
 * error is logged instead, and inside a caller's transaction the record is
 * part of it (a savepoint of its own, so its failure leaves the caller's work
 * intact; the caller's rollback takes the record along). Detail never holds
 * passwords or tokens. */
#ifndef EM_AUTH_AUDIT_H
#define EM_AUTH_AUDIT_H

#include <jansson.h>

#include "db/db.h"

/* Record `event` about user_id (may be NULL, e.g. a failed login for an unknown
 * email), done by actor_id (may be NULL: the user themself), from ip. The
 * reference to `detail` (a JSON object, may be NULL) is stolen. The event is
 * also written to the process log. */
void audit_record(db *d, const char *event, const char *user_id, const char *actor_id, const char *ip,
                  json_t *detail);

#endif
