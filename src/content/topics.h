/* topics: what a material is about, as a short list of named topics.
 *
 * A document with headings is described by them: the headings of its top
 * three levels with text under them become its topics, each weighted by the
 * share of the words of its own section. A document without headings (fewer than two) is described by its
 * key terms (content/terms.h) instead. Topic names also give tag slugs for
 * URLs and filters. Pure functions: no I/O. */
#ifndef EM_CONTENT_TOPICS_H
#define EM_CONTENT_TOPICS_H

#include <stddef.h>

#include "content/chunk.h"
#include "content/deadline.h"
#include "core/err.h"

#define TOPICS_MAX 400       /* topics from headings: a long textbook's chapters and sections,
                                 every one of which a plan schedules */
#define TOPICS_MAX_TERMS 12  /* topics from key terms */
#define TOPICS_NAME_MAX 200  /* bytes of a name, cut at a character boundary */
#define TOPICS_SLUG_MAX 64   /* bytes of a slug */

typedef struct topic {
    char *name;          /* owned */
    const char *source;  /* static: "heading" or "terms" */
    int page;            /* the heading's page, or the first page the term occurs on */
    double weight;       /* 0..1: share of the words (headings), or of the
                            summed scores (terms) */
} topic;

typedef struct topic_list {
    topic *items;        /* owned, in document order (headings) or by score (terms) */
    size_t n;
} topic_list;

/* The topics of a document from its headings (in document order, as given to
 * chunk_document) and its chunks (as chunk_document made them; their section
 * titles tie the words to headings, and their pages place key terms).
 *
 * With two or more headings with a title: the headings of the top level and
 * of the two levels below it that have headings (sub-sections are topics
 * too: a tutor asks about "Method resolution order", not only about
 * "Inheritance"), as many of those levels as keep the distinct names within
 * TOPICS_MAX (three, else two, else one). A lone top-level heading above
 * deeper ones is the document's title and is left out, and its level does
 * not count. A heading is a topic only when some text sits under it, in its
 * own section or in one below it (a part whose text is all in its sections
 * is one; a heading over nothing is not), unless no words sit under any
 * heading. A heading about the document rather than its subject
 * (apparatus.h) is no topic: a box's label ("See also", "Note"), a heading
 * of one character (an index's "A") or an author's line (an e-mail address)
 * leaves its words to the topic before it; a table of contents and its
 * dot-leader entries, an index or a list of figures leaves its words to no
 * topic, up to the next heading that names one; a named licence ("GNU Free
 * Documentation License") does so with the headings below it (its clauses).
 * Words that go to no topic give no heading above them text either: an
 * appendix that holds only a licence is no topic. Names
 * lose leading numbering ("1.2 ", "3) ", "IV. ", "Chapter 3:
 * ", "Part II - ") and a trailing colon, and keep their order; names equal
 * but for ASCII case are merged into the first (weights added), so names
 * are unique in a material. At most TOPICS_MAX; the weight of a topic is
 * the share of all chunk words from its heading to the next topic's heading
 * or a heading above the topics' levels: the words of the chunks whose
 * section is its heading, and of headings deeper than the topics' levels.
 *
 * Otherwise: the TOPICS_MAX_TERMS best key terms of the chunks, weights
 * normalised to add up to 1.
 *
 * Free the list with topic_list_cleanup; on failure it is empty.
 *
 * Time: n log n in the headings and chunks (plus terms_key_terms' linear
 * pass over the chunk texts); memory: a few pointers per heading. */
int topics_extract(const chunk_heading *headings, size_t n_headings, const text_chunk *chunks,
                   size_t n_chunks, topic_list *out /* OUT */, em_error *err);
/* The same under a deadline (deadline.h; NULL: none): past it EM_E_TIMEOUT
 * (deadline_error) and the list is empty. */
int topics_extract_until(const chunk_heading *headings, size_t n_headings, const text_chunk *chunks,
                         size_t n_chunks, deadline *dl, topic_list *out /* OUT */, em_error *err);
void topic_list_cleanup(topic_list *l);

/* A heading title as a topic name (see topics_extract) into out (len bytes,
 * NUL-terminated, cut at a character boundary): EM_OK, or EM_E_INVAL when
 * nothing is left or len is 0. */
int topics_clean_name(const char *title, char *out, size_t len);

/* A tag slug: ASCII letters and digits lowercased, every run of other bytes
 * one '-', none at either end, at most TOPICS_SLUG_MAX bytes and len - 1
 * ("Photosynthesis and Respiration" -> "photosynthesis-and-respiration").
 * EM_OK, or EM_E_INVAL (out is "" when len > 0) when the name has no ASCII
 * letter or digit. */
int topics_tag_slug(const char *name, char *out, size_t len);

#endif
