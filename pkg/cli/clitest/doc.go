// Package clitest holds the end-to-end tests of the five binaries: testscript
// scripts in testdata/script (one behaviour per .txtar), run against the
// real commands registered in TestMain, and in-process table tests of exit
// codes.
package clitest
