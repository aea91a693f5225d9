/* apparatus: the parts of a document that are about the document rather
 * than its subject: its table of contents and the entries in it, its
 * indexes and lists of figures, its authors' addresses, the licence it is
 * published under.
 *
 * The readers keep their text (it is part of the document, and a search may
 * want it), but nothing in them is to be studied: a heading of one names no
 * topic (topics.h), and a line of a table of contents is no heading at all
 * (doctext.h, pdf.h): "Introduction ........ 1" heads nothing that follows
 * it. The rules live here, once, so the readers and topics agree.
 *
 * The rules are narrow on purpose, so that the subject's own headings stay:
 * "Index structures" and "Body Mass Index" are subjects, "Concept Index" is
 * not; "The GNU General Public License" in a course on software licences is
 * lost, the price of dropping the licence appendix of every GNU manual.
 * Pure functions, ASCII case-insensitive, linear in the line. */
#ifndef EM_CONTENT_APPARATUS_H
#define EM_CONTENT_APPARATUS_H

#include <stdbool.h>
#include <stddef.h>

/* What a heading is, as far as topics care. */
typedef enum apparatus_kind {
    APPARATUS_NONE = 0, /* a heading of the subject: it may name a topic */
    APPARATUS_LABEL,    /* names no topic, and the text under it belongs to the
                           section around it: a box's label ("Note", "See also":
                           codeline_is_label), a heading of one character (an
                           index's letter group "A", a stray glyph; a chapter
                           named "C" alone is lost with them), an author's line
                           (it holds an e-mail address), a bare appendix
                           label ("Appendix A": a contents' line above the
                           appendix's title) */
    APPARATUS_LIST,     /* names no topic, and the text under it (up to the next
                           heading) is nobody's: a table of contents ("Contents",
                           "Table of Contents") and its entries (a title, a dot
                           leader and a page number), an index ("Index",
                           "Concept Index", "Function and Data Index", "Index of
                           Names"), a list of figures or tables, a
                           copyright notice ("Copyright \u00a9 2013 A. Author",
                           "Copyright (C) 1989 ...": a text's title page set
                           as a heading; "Copyright law" is a subject), the
                           book's front and back matter ("Preface", "Foreword",
                           "Disclaimer", "About this document",
                           "Acknowledgements", "Colophon", "Revision history";
                           the headings below one stay: the Debian Reference's
                           "What is Debian" under its "Preface") */
    APPARATUS_LICENCE   /* as APPARATUS_LIST, and so are the headings below it
                           (its clauses): a named licence ("GNU Free
                           Documentation License", the GNU General, Lesser,
                           Library and Affero General Public Licenses), the
                           licences' own addenda ("ADDENDUM: How to use this
                           License for your documents", "How to Apply These
                           Terms to Your New Programs"), and the Texinfo
                           appendix that holds them ("Copying This Manual",
                           "Copying Information") */
} apparatus_kind;

/* The kind of the heading title[0..len): a name as topics_clean_name gives
 * it (numbering off: "2 Contents" is "Contents"; a licence or an e-mail
 * address is found anywhere in it), blanks and a trailing ':' ignored. */
apparatus_kind apparatus_heading(const char *title, size_t len);

/* Whether line[0..len) is an entry of a table of contents: it ends in a
 * page number (up to four digits, or a Roman numeral "vii") after a dot
 * leader of three dots or more, spaced or not ("Introduction ..... 1",
 * "2.1 Naming . . . . . . 6", "Preface ……… vii"; "·" and "…" count as
 * leader dots). What comes before the leader does not matter: a title that
 * wraps leaves a line of leader and number alone. */
bool apparatus_is_toc_entry(const char *line, size_t len);

/* Whether title[0..len) is a table of contents' own heading ("Contents",
 * "Table of Contents", "Short Contents"), blanks and a trailing ':' ignored. */
bool apparatus_is_contents(const char *title, size_t len);

/* Whether a passage (a chunk: the title of its section, NULL for none, and
 * its text[0..len)) lists the document rather than teaches its subject:
 * its section is a table of contents, an index, a list of figures, a
 * copyright notice or a licence (APPARATUS_LIST, APPARATUS_LICENCE), or its
 * lines are mostly entries of a table of contents (one without a heading of
 * its own, or the part of one that a page break put under another heading).
 * Such a passage is never quoted by the tutor nor made into a question, and a
 * search lists it after the passages that teach. (A clause of a licence under
 * a heading of its own is not recognised here: topics.c follows the licence's
 * level, a passage alone cannot.) Linear in len. */
bool apparatus_is_listing(const char *section, const char *text, size_t len);

#endif
