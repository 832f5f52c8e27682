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
 * Edits current (the trunk as stored) until the file checks out or the
 * operator leaves it unchanged. *changes is the fields the file changes (for
 * tc_service_update with current as the version the edit started from), or
 * NULL when nothing changed. Errors: TC_CANCELLED (the editor failed),
 * TC_IO, TC_USAGE (file too large), TC_NOMEM.
 */
enum tc_status ui_edit_in_editor_file(struct tc_service *svc, const struct tc_trunk *current,
                                      struct tc_trunk **changes, struct tc_error *err);

#endif
