/* codeline: whether a line of extracted text reads as source code.
 *
 * Extractors and the chunker meet code in study texts (a manual's shaded
 * boxes, a Markdown fence that lost its fences in a PDF) and must not take a
 * line of it for a heading, nor join it to the next line as if it were
 * wrapped prose. The test is on the words alone, for producers that know
 * nothing of fonts; the PDF reader adds the font (monospace) itself.
 *
 * A line is code when it
 *   - starts with a lowercase keyword that opens a statement, in the shape
 *     of one: "def", "import", "return", "elif", "except", "raise",
 *     "yield", "lambda", "#include", "#define", "else:", "try:",
 *     "finally:", "from x import y", "@decorator"; and, ending in ':' or
 *     '{', "class Dog" (a capitalised name), "for x in y", "if" and
 *     "while" with an operator (= < > ( [ ! %), "with ... as" or
 *     "with f(...)" (a sentence may start "for the reasons below:");
 *   - ends in ';', '{' or '}', or is a lone closing bracket;
 *   - holds an operator prose does not write: "==", "!=", "+=", "-=", "->",
 *     "=>", "::", "()", '"""', or "name = value" (an identifier, " = ", and
 *     no sentence after it);
 *   - or is a call: an identifier (dots allowed) directly followed by '('
 *     and the line ending in ')' ("print(x)", "fido.bark()").
 * Pure, ASCII-only, linear in the line. */
#ifndef EM_CONTENT_CODELINE_H
#define EM_CONTENT_CODELINE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether line[0..len) (no line break in it; leading blanks allowed) reads
 * as code. */
bool codeline_is_code(const char *line, size_t len);

/* Whether line[0..len) is a label that introduces a box rather than names a
 * section: "Note", "Notes", "Warning", "Caution", "Tip", "Hint",
 * "Important", "Danger", "Attention", "See also", "Footnotes", "Footnote",
 * in any case, with an optional trailing ':'. */
bool codeline_is_label(const char *line, size_t len);

#endif
