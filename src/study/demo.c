/* demo: see demo.h. */
#include "study/demo.h"

#include <stdio.h>

#include "auth/users.h"
#include "core/clock.h"
#include "study/mastery.h"

static const char *const subjects[] = {"Algebra", "Cell biology", "Thermodynamics", "Organic chemistry",
                                       "European history"};

static int seed_topics(db *d, const char *user_id, long user_index, long count, em_error *err)
{
    int64_t now = clock_now_ms();
    int rc = EM_OK;
    for (long t = 0; rc == EM_OK && t < count; t++) {
        char id[37], name[96], when[32];
        snprintf(name, sizeof name, "Topic %ld of student %ld: %s", t, user_index, subjects[t % 5]);
        clock_iso8601(now + t * 3600 * 1000, when);
        rc = mastery_insert(d, user_id, name, (double)((user_index * 7 + t * 13) % 100) / 100.0, when, id,
                            err);
    }
    return rc;
}

int demo_seed_students(db *d, long users, long topics, const char *password_hash,
                       void (*each)(void *ctx, const char *user_id), void *ctx, long *created, em_error *err)
{
    *created = 0;
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    for (long i = 1; rc == EM_OK && i <= users; i++) {
        char email[96], name[48];
        snprintf(email, sizeof email, "student-%ld@demo.exammentor.invalid", i);
        snprintf(name, sizeof name, "Demo student %ld", i);
        user u;
        rc = users_create(d, email, password_hash, name, "student", &u, err);
        if (rc == EM_OK) {
            (*created)++;
            rc = seed_topics(d, u.id, i, topics, err);
        } else if (rc == EM_E_CONFLICT) {
            rc = users_get_by_email(d, email, &u, err);
        }
        if (rc == EM_OK && each != NULL)
            each(ctx, u.id);
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        *created = 0;
    }
    return rc;
}
