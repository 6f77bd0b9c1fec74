// Package walname owns the names of the files PostgreSQL archives and the
// arithmetic around them: WAL segments (000000010000000000000006), backup
// label history files (000000010000000000000006.00000028.backup), partial
// segments (000000010000000000000006.partial) and timeline history files
// (00000002.history); the hash directory Barman files each of them under;
// log sequence numbers (LSNs, "0/6000028"); and which segment holds an LSN
// for a given WAL segment size.
//
// Names are parsed strictly: hexadecimal digits must be upper case, as
// PostgreSQL writes them. Barman 3.4 also accepts lower case digits, but
// files it has archived under such names live in an upper-case hash
// directory, so there is no consistent way to handle them.
package walname
