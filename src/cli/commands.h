/* commands.h - the entry point of each command file (dispatched by main.c). */
#ifndef CY_COMMANDS_H
#define CY_COMMANDS_H

int cmd_init(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_fonds(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_subject(int argc, char **argv);

/* For commands with sub-commands: find argv[0] in a table and run it. */
typedef struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* N_() */
} subcmd;
int run_subcommand(const char *group, const subcmd *table, int argc, char **argv);

#endif
