// The Pulumi CLI's own config code (pkg/v3 and sdk/v3 at the version of @pulumi/pulumi in
// package.json, with the ESC evaluator of that build), in two modes:
//
//   - no argument: reconciles and validates a policy pack's config exactly as the CLI does before
//     a preview with --policy-pack-config (resource/analyzer): defaults from each policy's
//     configSchema, the pack's initial config, then the given config, each policy's result checked
//     against its schema. Reads { policies: [{ name, enforcementLevel, configSchema }],
//     initialConfig, config } as JSON on stdin and prints { "errors": [...] }.
//   - "stack": loads Pulumi.yaml and Pulumi.<stack>.yaml as the CLI does (workspace.LoadProject,
//     LoadProjectStack), opens the ESC environments the stack file imports with ESC's evaluator
//     (imports, merging, interpolation) from the definitions given, with a stand-in for the
//     aws-login provider (Pulumi Cloud runs the real one), reads the environment variables the
//     CLI exports (Environment.GetEnvironmentVariables), and merges the environment's pulumiConfig with the
//     stack's config and the project's declarations as the CLI does before every operation
//     (workspace.ValidateStackConfigAndApplyProjectConfig). Reads { projectDir, stack,
//     environments: { "<project>/<name>": "<yaml>" } } on stdin and prints what it found.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/pkg/v3/resource/analyzer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

type input struct {
	Policies []struct {
		Name             string                   `json:"name"`
		EnforcementLevel apitype.EnforcementLevel `json:"enforcementLevel"`
		ConfigSchema     *struct {
			Properties map[string]plugin.JSONSchema `json:"properties"`
			Required   []string                     `json:"required"`
		} `json:"configSchema"`
	} `json:"policies"`
	InitialConfig map[string]*json.RawMessage `json:"initialConfig"`
	Config        map[string]*json.RawMessage `json:"config"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "stack" {
		stackMain()
		return
	}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var policies []plugin.AnalyzerPolicyInfo
	for _, p := range in.Policies {
		info := plugin.AnalyzerPolicyInfo{Name: p.Name, EnforcementLevel: p.EnforcementLevel}
		if p.ConfigSchema != nil {
			info.ConfigSchema = &plugin.AnalyzerPolicyConfigSchema{Properties: p.ConfigSchema.Properties, Required: p.ConfigSchema.Required}
		}
		policies = append(policies, info)
	}
	initial, err := analyzer.ParsePolicyPackConfigFromAPI(in.InitialConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	config, err := analyzer.ParsePolicyPackConfigFromAPI(in.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	_, problems, err := analyzer.ReconcilePolicyPackConfig(policies, initial, config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out, _ := json.Marshal(map[string]any{"errors": problems})
	fmt.Println(string(out))
}
