// Package check runs the checks of `barman check` for one server and
// returns one Result per check, in Barman's order and with Barman's names,
// so that monitoring that parses Barman's output keeps working.
//
// Each failed check carries a hint that says what to do. Checks marked
// non-critical (as in Barman) do not stop a backup.
package check
