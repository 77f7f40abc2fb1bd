/* commands.h - what each command file gives the command table of main.c:
 * its run function and its option table (cli_cmd), or, for a group, its
 * table of sub-commands.  The dispatcher parses, opens the vault and cleans
 * up; see cli_command in cli.h. */
#ifndef CY_COMMANDS_H
#define CY_COMMANDS_H

#include "cli.h"

int cmd_init(cy_vault *v, int argc, char **argv);
int cmd_ls(cy_vault *v, int argc, char **argv);
int cmd_show(cy_vault *v, int argc, char **argv);
int cmd_get(cy_vault *v, int argc, char **argv);
int cmd_get_prepare(int argc, char **argv);
int cmd_check(cy_vault *v, int argc, char **argv);
extern const cli_cmd cmd_init_spec, cmd_ls_spec, cmd_show_spec, cmd_get_spec, cmd_check_spec;

int cmd_search(cy_vault *v, int argc, char **argv);
int cmd_search_prepare(int argc, char **argv);
extern const cli_cmd cmd_search_spec;

/* import csv and import rejects (cmd_import_table.c), in cmd_import_sub */
int cmd_import_csv(cy_vault *v, int argc, char **argv);
int cmd_import_csv_prepare(int argc, char **argv);
int cmd_import_rejects(cy_vault *v, int argc, char **argv);
int cmd_import_rejects_prepare(int argc, char **argv);
int cmd_import_xlsx_prepare(int argc, char **argv);
int cmd_import_mail(cy_vault *v, int argc, char **argv);
int cmd_import_mail_prepare(int argc, char **argv);
extern const cli_cmd cmd_import_csv_spec, cmd_import_rejects_spec, cmd_import_mail_spec,
	cmd_import_xlsx_spec;

/* Groups: their sub-commands, each with its own flags. */
extern const cli_command cmd_import_sub[];
extern const cli_command cmd_user_sub[];
extern const cli_command cmd_fonds_sub[];
extern const cli_command cmd_log_sub[];
extern const cli_command cmd_record_sub[];
extern const cli_command cmd_store_sub[];
extern const cli_command cmd_destroy_sub[];
/* subject erase / readmit (cmd_destroy.c) */
extern const cli_cmd cmd_subject_erase_spec, cmd_subject_readmit_spec;
int cmd_subject_erase(cy_vault *v, int argc, char **argv);
int cmd_subject_readmit(cy_vault *v, int argc, char **argv);
extern const cli_command cmd_subject_sub[];
extern const cli_command cmd_recovery_sub[];
extern const cli_command cmd_hold_sub[];   /* cmd_hold.c */
extern const cli_command cmd_access_sub[]; /* cmd_hold.c */
extern const cli_command cmd_retention_sub[];
/* the handover's age layer and key pairs (cmd_age.c, cmd_keygen.c): no vault */
extern const cli_command cmd_age_sub[];
int cmd_keygen(cy_vault *v, int argc, char **argv);
extern const cli_cmd cmd_keygen_spec;
extern const cli_command cmd_bag_sub[]; /* cmd_bag.c */
extern const cli_command cmd_notify_sub[]; /* cmd_notify.c */
/* appraise (cmd_retention.c) */
int cmd_appraise(cy_vault *v, int argc, char **argv);
int cmd_appraise_prepare(int argc, char **argv);
extern const cli_cmd cmd_appraise_spec;

/* the handover (cmd_transfer.c) */
extern const cli_command cmd_receiver_sub[];
extern const cli_command cmd_transfer_sub[];
extern const cli_command cmd_pia_sub[];
extern const cli_cmd cmd_receive_spec;
int cmd_receive_run(cy_vault *v, int argc, char **argv);
int cmd_receive_prepare(int argc, char **argv);

/* For commands written before the dispatcher, which parse their own argv
 * (cli_parse) and open the vault themselves (cli_open): find argv[0] in a
 * table and run it.  New code uses cli_command tables instead. */
typedef struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* N_() */
} subcmd;
int run_subcommand(const char *group, const subcmd *table, int argc, char **argv);

#endif
