// Package postgres owns barman's ordinary (non-replication) connection to
// a PostgreSQL server, from a libpq conninfo string, and what barman reads
// from it: version, settings, WAL position, archiver statistics, system
// identifier and privileges; and how a conninfo is shown (MaskConninfo,
// ParseError), with its passwords masked.
package postgres
