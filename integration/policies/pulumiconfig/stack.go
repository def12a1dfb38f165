package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pulumi/esc"
	"github.com/pulumi/esc/eval"
	"github.com/pulumi/esc/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

type stackInput struct {
	ProjectDir   string            `json:"projectDir"`
	Stack        string            `json:"stack"`
	Environments map[string]string `json:"environments"`
}

// awsLogin is what the stand-in aws-login provider was opened with.
type awsLogin struct {
	Environment string         `json:"environment"`
	Inputs      map[string]any `json:"inputs"`
}

type stackOutput struct {
	// Imports as the CLI reads them from the stack file (ProjectStack.Environment.Imports).
	Imports []string `json:"imports"`
	// ESC's diagnostics, one per line; empty when every environment loads and evaluates.
	Diagnostics []string `json:"diagnostics"`
	// Each opening of aws-login, with its inputs as evaluated (interpolations resolved).
	Logins []awsLogin `json:"logins"`
	// Variables the CLI would export to the program and its providers, and which are secret.
	EnvironmentVariables map[string]string `json:"environmentVariables"`
	SecretVariables      []string          `json:"secretVariables"`
	// The stack's config after the CLI merged the environment's pulumiConfig and the project's
	// declarations, as "<namespace>:<key>" to its value (objects JSON-encoded); null on error.
	Config map[string]string `json:"config"`
	// The CLI's config validation error, if any.
	ConfigError string `json:"configError"`
}

// definitions serves the given environment definitions to ESC's evaluator by name.
type definitions map[string]string

func (d definitions) LoadEnvironment(ctx context.Context, name string) ([]byte, eval.Decrypter, error) {
	text, ok := d[name]
	if !ok {
		return nil, nil, fmt.Errorf("environment %q not found", name)
	}
	return []byte(text), nil, nil
}

// awsLoginStandIn has the inputs and outputs of ESC's aws-login provider as Pulumi documents them
// (https://www.pulumi.com/docs/esc/providers/login/aws-login/) and returns fixed fake credentials.
type awsLoginStandIn struct{ opened *[]awsLogin }

func (p awsLoginStandIn) Schema() (*schema.Schema, *schema.Schema) {
	oidc := schema.Record(schema.BuilderMap{
		"roleArn":           schema.String(),
		"sessionName":       schema.String(),
		"duration":          schema.String(),
		"policyArns":        schema.Array().Items(schema.String()),
		"subjectAttributes": schema.Array().Items(schema.String()),
	}).Required("roleArn", "sessionName")
	static := schema.Record(schema.BuilderMap{
		"accessKeyId":     schema.String(),
		"secretAccessKey": schema.String(),
		"sessionToken":    schema.String(),
	}).Required("accessKeyId", "secretAccessKey")
	inputs := schema.Object().Properties(schema.BuilderMap{"oidc": oidc, "static": static}).MinProperties(1).MaxProperties(1).Schema()
	outputs := schema.Record(schema.BuilderMap{
		"accessKeyId":     schema.String(),
		"secretAccessKey": schema.String(),
		"sessionToken":    schema.String(),
	}).Schema()
	return inputs, outputs
}

func (p awsLoginStandIn) Open(ctx context.Context, inputs map[string]esc.Value, ec esc.EnvExecContext) (esc.Value, error) {
	*p.opened = append(*p.opened, awsLogin{Environment: ec.GetCurrentEnvironmentName(), Inputs: esc.NewValue(inputs).ToJSON(false).(map[string]any)})
	return esc.NewValue(map[string]esc.Value{
		"accessKeyId":     esc.NewValue("ASIAFAKEACCESSKEYID"),
		"secretAccessKey": esc.NewSecret("fake-secret-access-key"),
		"sessionToken":    esc.NewSecret("fake-session-token"),
	}), nil
}

type providers struct{ login awsLoginStandIn }

func (p providers) LoadProvider(ctx context.Context, name string) (esc.Provider, error) {
	if name == "aws-login" {
		return p.login, nil
	}
	return nil, fmt.Errorf("unknown provider %q", name)
}

func (p providers) LoadRotator(ctx context.Context, name string) (esc.Rotator, error) {
	return nil, fmt.Errorf("unknown rotator %q", name)
}

func stackMain() {
	var in stackInput
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	ctx := context.Background()
	project, err := workspace.LoadProject(filepath.Join(in.ProjectDir, "Pulumi.yaml"))
	if err != nil {
		fail(err)
	}
	ps, err := workspace.LoadProjectStack(nil, project, filepath.Join(in.ProjectDir, "Pulumi."+in.Stack+".yaml"))
	if err != nil {
		fail(err)
	}
	out := stackOutput{Imports: ps.Environment.Imports(), Diagnostics: []string{}, Logins: []awsLogin{}, EnvironmentVariables: map[string]string{}, SecretVariables: []string{}}
	if out.Imports == nil {
		out.Imports = []string{}
	}

	// Open the stack's environment as the CLI has Pulumi Cloud open it: the stack file's
	// environment block is an anonymous environment that imports the named ones.
	var pulumiEnv esc.Value
	if def := ps.EnvironmentBytes(); def != nil {
		decl, diags, err := eval.LoadYAMLBytes(esc.AnonymousEnvironmentName, def)
		if err != nil {
			fail(err)
		}
		for _, d := range diags {
			out.Diagnostics = append(out.Diagnostics, d.Error())
		}
		execContext, err := esc.NewExecContext(map[string]esc.Value{})
		if err != nil {
			fail(err)
		}
		if decl != nil && !diags.HasErrors() {
			env, diags := eval.EvalEnvironment(ctx, esc.AnonymousEnvironmentName, decl, nil, providers{awsLoginStandIn{&out.Logins}}, definitions(in.Environments), execContext)
			for _, d := range diags {
				out.Diagnostics = append(out.Diagnostics, d.Error())
			}
			if env != nil && !diags.HasErrors() {
				pulumiEnv = env.Properties["pulumiConfig"]
				// What the CLI exports (esc cmd/esc/cli PrepareEnvironment reads the same function).
				for name, v := range env.GetEnvironmentVariables() {
					out.EnvironmentVariables[name], _ = v.Value.(string)
					if v.Secret {
						out.SecretVariables = append(out.SecretVariables, name)
					}
				}
				sort.Strings(out.SecretVariables)
			}
		}
	}

	if len(out.Diagnostics) == 0 {
		if err := workspace.ValidateStackConfigAndApplyProjectConfig(ctx, in.Stack, project, pulumiEnv, ps.Config, config.NopEncrypter, config.NopDecrypter); err != nil {
			out.ConfigError = err.Error()
		} else {
			plain, err := ps.Config.Decrypt(config.NopDecrypter)
			if err != nil {
				fail(err)
			}
			out.Config = map[string]string{}
			for k, v := range plain {
				out.Config[k.String()] = v
			}
		}
	}
	bytes, _ := json.Marshal(out)
	fmt.Println(string(bytes))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}
