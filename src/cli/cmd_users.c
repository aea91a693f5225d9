/* `exammentor users`: accounts for operators, on the machine itself: create an
 * account with a role (the first admin among them), set a forgotten password,
 * change a role, list accounts. Works on the configured database directly,
 * so it needs no admin session: whoever can run it can read the database
 * anyway. Every change goes through the account use cases (auth/accounts.h)
 * and lands in the audit log. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/log.h"
#include "db/migrate.h"

static const char usage[] =
    "Usage: exammentor users create EMAIL [--role student|tutor|admin] [--name NAME] [--password-stdin]\n"
    "       exammentor users set-password EMAIL [--password-stdin]\n"
    "       exammentor users set-role EMAIL student|tutor|admin\n"
    "       exammentor users list [--role ROLE] [--limit N]\n"
    "\n"
    "  create        a new account (default role: admin)\n"
    "  set-password  a new password for an account; its sessions end\n"
    "  set-role      change an account's role\n"
    "  list          accounts, newest first: id, email, role, active\n"
    "\n"
    "The password is read from standard input with --password-stdin (one line),\n"
    "asked twice on a terminal, or else generated and printed once. It must be at\n"
    "least 10 characters, not a common password and not the email.\n"
    "Pending migrations are applied first.\n";

#define PASSWORD_LINE_MAX (PASSWORD_MAX_BYTES + 2)

/* Read one line from `in` into out (without the newline). */
static bool read_line(FILE *in, char *out, size_t cap)
{
    if (fgets(out, (int)cap, in) == NULL)
        return false;
    size_t n = strcspn(out, "\r\n");
    out[n] = '\0';
    return true;
}

/* Ask on the terminal without echo. */
static bool ask_hidden(const char *prompt, char *out, size_t cap)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return false;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    bool ok = read_line(stdin, out, cap);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return ok;
}

/* The new password: from stdin, from the terminal, or generated (then
 * *generated is set and the caller prints it). */
static int get_password(bool from_stdin, char *out, size_t cap, bool *generated)
{
    *generated = false;
    if (from_stdin) {
        if (!read_line(stdin, out, cap) || out[0] == '\0') {
            fprintf(stderr, "exammentor users: no password on standard input\n");
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    if (isatty(STDIN_FILENO)) {
        char again[PASSWORD_LINE_MAX];
        if (!ask_hidden("New password: ", out, cap) || !ask_hidden("Again: ", again, sizeof again)) {
            fprintf(stderr, "exammentor users: no password given\n");
            return CLI_FAIL;
        }
        bool same = strcmp(out, again) == 0;
        sodium_memzero(again, sizeof again);
        if (!same) {
            fprintf(stderr, "exammentor users: the two passwords differ\n");
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    char token[REFRESH_TOKEN_LEN + 1];
    token_new_refresh(token); /* 32 random bytes */
    snprintf(out, cap, "%s", token);
    *generated = true;
    return CLI_OK;
}

typedef struct users_args {
    const char *action, *email, *role, *name;
    bool password_stdin;
    long limit;
} users_args;

static int parse_args(int argc, char **argv, users_args *a, bool *help)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'},      {"name", required_argument, NULL, 'n'},
        {"password-stdin", no_argument, NULL, 'p'}, {"limit", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    *help = false;
    a->limit = 50;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': a->role = optarg; break;
        case 'n': a->name = optarg; break;
        case 'p': a->password_stdin = true; break;
        case 'l':
            a->limit = cli_parse_count(optarg, 1000);
            if (a->limit < 0)
                return cli_usage_error("users", "--limit must be a number from 1 to 1000");
            break;
        case 'h': *help = true; return CLI_OK;
        case ':': return cli_usage_error("users", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("users", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    if (rest < 1)
        return cli_usage_error("users", "expected create, set-password, set-role or list");
    a->action = argv[optind];
    bool list = strcmp(a->action, "list") == 0;
    bool set_role = strcmp(a->action, "set-role") == 0;
    if (!list && !set_role && strcmp(a->action, "create") != 0 && strcmp(a->action, "set-password") != 0)
        return cli_usage_error("users", "unknown action '%s'", a->action);
    int want = list ? 1 : set_role ? 3 : 2;
    if (rest != want)
        return cli_usage_error("users", "%s takes %s", a->action,
                               list ? "no argument" : set_role ? "EMAIL and ROLE" : "one EMAIL");
    if (!list)
        a->email = argv[optind + 1];
    if (set_role)
        a->role = argv[optind + 2];
    if (a->role != NULL && !users_role_valid(a->role))
        return cli_usage_error("users", "the role must be student, tutor or admin");
    return CLI_OK;
}

static int list_users(db *d, const users_args *a, em_error *err)
{
    user *page = calloc((size_t)a->limit, sizeof *page);
    if (page == NULL)
        return em_error_set(err, EM_E_NOMEM, "out of memory");
    size_t n = 0;
    int64_t total = 0;
    int rc = users_list(d, &(users_filter){.role = a->role}, (int)a->limit, 0, page, (size_t)a->limit, &n,
                        &total, err);
    for (size_t i = 0; rc == EM_OK && i < n; i++)
        printf("%s  %-40s %-8s %s\n", page[i].id, page[i].email, page[i].role,
               page[i].is_active ? "active" : "disabled");
    if (rc == EM_OK)
        fprintf(stderr, "%zu of %lld account%s\n", n, (long long)total, total == 1 ? "" : "s");
    free(page);
    return rc;
}

/* create or set-password: get the password, run the use case, say what happened. */
static int with_password(app *ap, db *d, const users_args *a, em_error *err)
{
    char password[PASSWORD_LINE_MAX];
    bool generated = false;
    if (get_password(a->password_stdin, password, sizeof password, &generated) != CLI_OK)
        return em_error_set(err, EM_E_INVAL, "no password");
    int rc;
    user u;
    if (strcmp(a->action, "create") == 0) {
        rc = accounts_create(ap->accounts, d, a->email, password, a->name != NULL ? a->name : "",
                             a->role != NULL ? a->role : "admin", &u, err);
        if (rc == EM_OK)
            printf("created %s %s (%s)\n", u.id, u.email, u.role);
    } else {
        rc = accounts_set_password(ap->accounts, d, a->email, password, err);
        if (rc == EM_OK)
            printf("password set for %s; its sessions have ended\n", a->email);
    }
    if (rc == EM_OK && generated)
        printf("password: %s\n(shown once: keep it somewhere safe)\n", password);
    sodium_memzero(password, sizeof password);
    return rc;
}

int cmd_users(int argc, char **argv)
{
    users_args a = {0};
    bool help = false;
    int rc = parse_args(argc, argv, &a, &help);
    if (rc != CLI_OK)
        return rc;
    if (help) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    em_error err = {0};
    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor users: %s\n", err.msg);
        return CLI_FAIL;
    }
    log_configure(LOG_WARN, 2);
    app ap;
    if (app_init(&ap, &cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor users: cannot start: %s\n", err.msg);
        return CLI_FAIL;
    }
    db *d = NULL;
    rc = app_migrate(&ap, &err);
    if (rc == EM_OK)
        rc = app_connect(&ap.cfg, &d, &err);
    if (rc == EM_OK && strcmp(a.action, "list") == 0) {
        rc = list_users(d, &a, &err);
    } else if (rc == EM_OK && strcmp(a.action, "set-role") == 0) {
        user u;
        rc = accounts_set_role(ap.accounts, d, a.email, a.role, &u, &err);
        if (rc == EM_OK)
            printf("%s is now %s\n", u.email, u.role);
    } else if (rc == EM_OK) {
        rc = with_password(&ap, d, &a, &err);
    }
    if (rc != EM_OK)
        fprintf(stderr, "exammentor users: %s\n", err.msg[0] ? err.msg : em_strerror(rc));
    app_disconnect(d);
    app_cleanup(&ap);
    return rc == EM_OK ? CLI_OK : CLI_FAIL;
}
