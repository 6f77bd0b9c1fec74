// Package hooks runs Barman's hook scripts around an event (backup,
// archive, delete, wal_delete, recovery): pre_<event>_script, then
// pre_<event>_retry_script, the action, post_<event>_retry_script, then
// post_<event>_script, each with `sh -c` and the BARMAN_* environment.
//
// Standard scripts may fail: the exit code is logged. Retry scripts run
// again until they exit 0 (success), 62 (abort, continue) or 63 (abort,
// stop: for a pre script the action does not run); any other code is
// retried after 3 seconds, every sixth time after 60 seconds, as Barman
// does, until the context is cancelled.
package hooks
