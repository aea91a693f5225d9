/* cli: the exammentor subcommands. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit code:
 * 0 success, 1 failure at run time, 2 usage error (unknown flag, bad argument). */
#ifndef EM_CLI_CLI_H
#define EM_CLI_CLI_H

#include <stdio.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_seed_data(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_fsrs(int argc, char **argv);
int cmd_backup(int argc, char **argv);

/* Shared option handling: returns CLI_OK when the only arguments are --help/-h
 * (which prints `usage` to stdout and sets *done) or none; CLI_USAGE with a
 * message on stderr for anything else unexpected. Used by commands without
 * options of their own. */
int cli_no_options(int argc, char **argv, const char *usage, int *done /* OUT */);

/* Print "exammentor <cmd>: <message>" and the hint to use --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse an argument that is a whole number from 1 to max (digits only: no
 * sign, no spaces); -1 when it is not one. */
long cli_parse_count(const char *s, long max);

#endif
