// Package barman is the `barman` front-end: Barman's commands, global
// options and configuration files. cmd/barman/main.go only calls Main.
//
// Each command lives in its own <name>_cmd.go file as a kong command
// struct with a Run(*Env) error method.
package barman
