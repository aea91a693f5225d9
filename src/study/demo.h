/* demo: demo students with topics, for trying the product on a laptop and for
 * the benchmarks (`exammentor seed-data`, local only). Student i is
 * student-<i>@demo.exammentor.invalid ("Demo student i") with `topics` topics
 * whose mastery and review times are spread deterministically. Seeding again
 * adds nothing for students that exist (emails are the key). */
#ifndef EM_STUDY_DEMO_H
#define EM_STUDY_DEMO_H

#include "core/err.h"
#include "db/db.h"

/* Make students 1..users in one transaction. password_hash (may be NULL: they
 * cannot log in) is the stored hash every new student gets. `each` is called
 * with every student's id, new or not, in order; *created counts the new. */
int demo_seed_students(db *d, long users, long topics, const char *password_hash,
                       void (*each)(void *ctx, const char *user_id), void *ctx, long *created /* OUT */,
                       em_error *err);

#endif
