// Command compose-check loads a Compose file the way `docker compose` does, with compose-go, the Compose
// Specification's reference library that Docker Compose itself is built on:
//
//	compose-check FILE
//
// The file is validated against the Compose Specification's JSON schema (bundled with compose-go, so an
// unknown or misspelt key or a wrong type fails), interpolated with no variables from the environment (every
// ${VAR:-default} takes its default, so the result does not depend on the machine), normalised, and checked
// for consistency (services, volumes, networks and secrets that are used must be declared, no dependency
// cycles). The loaded project is printed as JSON on stdout; a problem is printed on stderr with exit status 1.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check FILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err == nil {
		err = check(file)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(file string) error {
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithName("malted"),
		cli.WithEnv([]string{}),
		cli.WithConsistency(true),
	)
	if err != nil {
		return err
	}
	project, err := cli.ProjectFromOptions(context.Background(), options)
	if err != nil {
		return err
	}
	data, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(data, '\n'))
	return err
}
