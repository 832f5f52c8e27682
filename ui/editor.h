/*
 * A trunk edited as YAML in the operator's $VISUAL or $EDITOR, as `kubectl
 * edit` does: each field after a comment with its rule; on save the file is
 * read back and checked as the server checks an update, and when it fails
 * the editor opens again on the operator's own text with the errors as
 * comments at the top. An unchanged or emptied file changes nothing. Shared
 * by `trunkctl edit` and the TUI (which leaves curses around it).
 */
#ifndef TRUNKCTL_UI_EDITOR_H
#define TRUNKCTL_UI_EDITOR_H

#include "trunkctl/service.h"

/*
 * Edits the n trunks of current (as stored; one trunk, or the TUI's marks)
 * until the file checks out or the operator leaves it unchanged. changes is
 * the caller's array of n: changes[i] is the fields the file changes of
 * current[i] (for tc_service_update or tc_service_update_each, with current
 * as the versions the edit started from), or NULL when none; *nchanged
 * counts them. In a file of several trunks each keeps its id, which says
 * which trunk it is; one left out changes nothing. Errors: TC_CANCELLED (the
 * editor failed), TC_IO, TC_USAGE (the file would be or was made too large),
 * TC_NOMEM.
 */
enum tc_status ui_edit_in_editor_file(struct tc_service *svc, const struct tc_trunk *const *current,
                                      size_t n, struct tc_trunk **changes, size_t *nchanged,
                                      struct tc_error *err);

#endif
