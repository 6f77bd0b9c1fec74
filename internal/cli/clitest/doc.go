// Package clitest holds the end-to-end tests of the five binaries: testscript
// scripts in testdata/script (one behaviour per .txtar), run against the
// real commands registered in TestMain, and in-process table tests of exit
// codes.
//
// The four longest tests (TestRecover, TestCompressedBackup and the two
// archiving tests) call t.Parallel: each has its own PostgreSQL, sshd and
// barman_home, and under -race the suite kept a core idle about half the
// time (a CI run: 11 min of CPU in 9m52s on 2 cores). They run two at a
// time after the others.
package clitest
