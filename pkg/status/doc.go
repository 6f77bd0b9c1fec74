// Package status gathers what `barman show-servers` reports about a
// server, as Barman names and renders the values: every effective option
// (None for unset, booleans as booleans, passwords of connection strings
// masked), the retention summary, and the live facts of its PostgreSQL.
// The front-end only prints the map.
package status
