import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    indexProblems,
    linkProblems,
    preventedHereProblems,
    recipeCategories,
    recipeShapeProblems,
    scriptCallProblems,
    scriptCalls,
    sectionsOf,
} from "../../tools/recipes";

const root = path.resolve(__dirname, "..", "..");
const recipesDir = "docs/recipes";
const governanceDir = "docs/governance";

const read = (repositoryPath: string): string | undefined => {
    const file = path.join(root, repositoryPath);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
};
const exists = (repositoryPath: string): boolean => fs.existsSync(path.join(root, repositoryPath));
const markdownIn = (dir: string): string[] =>
    fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".md")).sort() : [];

/** Every recipe, as a path relative to docs/recipes: <category>/<name>.md. */
const recipes = recipeCategories.flatMap((category) => markdownIn(`${recipesDir}/${category}`).map((f) => `${category}/${f}`));
const recipeText = (recipe: string): string => read(`${recipesDir}/${recipe}`) ?? "";

const good = [
    "# A recipe",
    "",
    "## Symptoms",
    "It breaks.",
    "",
    "## Diagnosis",
    "```sh",
    "kubectl -n spark-jobs get pods",
    "```",
    "",
    "## Solution",
    "Fix it.",
    "",
    "## Prevented here",
    "By construction.",
    "",
    '- `test/docs/recipes.test.ts`: "finds the fault in a recipe whose section is removed"',
    "",
    "## References",
    "- upstream",
    "",
].join("\n");

describe("recipe checks (tools/recipes.ts)", () => {
    it("passes a complete recipe", () => {
        assert.deepEqual(recipeShapeProblems(good), []);
        assert.deepEqual(preventedHereProblems(sectionsOf(good).sections[3].body, read), []);
    });

    it("finds the fault in a recipe whose section is removed, reordered, emptied or renamed", () => {
        const without = (heading: string) => good.replace(new RegExp(`## ${heading}\\n[\\s\\S]*?(?=\\n## |$)`), "");
        for (const heading of ["Symptoms", "Diagnosis", "Solution", "References"]) {
            assert.notDeepEqual(recipeShapeProblems(without(heading)), [], heading);
        }
        assert.deepEqual(recipeShapeProblems(without("Prevented here")), [], "Prevented here is optional");
        assert.notDeepEqual(recipeShapeProblems(good.replace("## Solution\nFix it.\n", "").replace("## References", "## Solution\nFix it.\n\n## References")), [], "order");
        assert.notDeepEqual(recipeShapeProblems(good.replace("Fix it.", "")), [], "empty Solution");
        assert.notDeepEqual(recipeShapeProblems(good.replace("## Symptoms", "## Symptom")), [], "renamed");
        assert.notDeepEqual(recipeShapeProblems(good.replace("## Solution", "## Solution\n## Notes")), [], "extra section");
        assert.notDeepEqual(recipeShapeProblems(good.replace("```sh\nkubectl -n spark-jobs get pods\n```", "Run kubectl.")), [], "no command in Diagnosis");
        assert.notDeepEqual(recipeShapeProblems(good.replace("# A recipe", "")), [], "no title");
    });

    it("does not take a heading inside a code block for a section", () => {
        const text = good.replace("kubectl -n spark-jobs get pods", "## Solution\nkubectl -n spark-jobs get pods");
        assert.deepEqual(recipeShapeProblems(text), []);
    });

    it("refuses a Prevented here that names a missing test file, a title not in it, or no test", () => {
        const body = (bullet: string) => `How.\n\n${bullet}\n`;
        assert.notDeepEqual(preventedHereProblems(body('- `test/docs/nothing-here.test.ts`: "anything"'), read), []);
        assert.notDeepEqual(preventedHereProblems(body('- `test/components/kubernetes/rbac.test.ts`: "lets a driver read every secret"'), read), []);
        assert.notDeepEqual(preventedHereProblems(body("- `test/docs/recipes.test.ts` with no title"), read), []);
        assert.notDeepEqual(preventedHereProblems("Only prose, no test.", read), []);
    });

    it("reads script calls and their flags from code blocks only, across continuation lines", () => {
        const text = "Run `scripts/recipes/rbac-check.sh --nope` or:\n\n```sh\nscripts/recipes/executor-logs.sh --namespace spark-jobs \\\n  --tail 50 | less\n```\n";
        assert.deepEqual(scriptCalls(text), [{ script: "executor-logs.sh", flags: ["--namespace", "--tail"] }]);
        const substituted = '```sh\nscripts/recipes/s3-check.sh --bucket "$(pulumi stack output buckets --json | jq -r .warehouse)" \\\n  --region "$(pulumi config get aws:region)"\n```\n';
        assert.deepEqual(scriptCalls(substituted), [{ script: "s3-check.sh", flags: ["--bucket", "--region"] }], "flags inside $(...) belong to another command");
        const scripts: Record<string, string> = { "executor-logs.sh": "case $1 in --namespace) ;; --tail) ;; esac" };
        assert.deepEqual(scriptCallProblems(scriptCalls(text), (n) => scripts[n]), []);
        assert.equal(scriptCallProblems([{ script: "executor-logs.sh", flags: ["--since"] }], (n) => scripts[n]).length, 1, "unknown flag");
        assert.equal(scriptCallProblems([{ script: "driver-state.sh", flags: [] }], (n) => scripts[n]).length, 1, "missing file");
        assert.equal(scriptCallProblems([{ script: "other.sh", flags: [] }], (n) => scripts[n]).length, 1, "not a recipe script");
    });

    it("refuses a relative link to a missing file, and ignores URLs, anchors and code", () => {
        const text = "[a](../testing.md) [b](https://example.org) [c](#x) `[d](nowhere.md)` [e](missing.md#y)\n";
        assert.deepEqual(linkProblems(`${recipesDir}/README.md`, text, exists), ["link missing.md resolves to docs/recipes/missing.md, which does not exist"]);
    });

    it("refuses an index that misses a recipe, lists another, or puts one under the wrong category", () => {
        const index = "| recipe | symptom | category |\n|---|---|---|\n| [A](troubleshooting/a.md) | breaks | troubleshooting |\n| [B](operations/b.md) | | deployment |\n";
        assert.deepEqual(indexProblems(index, ["troubleshooting/a.md", "operations/b.md"]).length, 2);
        assert.equal(indexProblems(index, ["troubleshooting/a.md"]).length, 3);
    });
});

describe("the recipe library (docs/recipes)", () => {
    it("has recipes in every category, with kebab-case file names", () => {
        for (const category of recipeCategories) assert.ok(markdownIn(`${recipesDir}/${category}`).length > 0, category);
        for (const recipe of recipes) assert.match(path.basename(recipe), /^[a-z0-9]+(-[a-z0-9]+)*\.md$/, recipe);
        const folders = fs.readdirSync(path.join(root, recipesDir), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
        assert.deepEqual(folders, [...recipeCategories].sort(), "no folder outside the categories");
    });

    it("every recipe has Symptoms, Diagnosis with a command, Solution, optionally Prevented here, and References, in order and non-empty", () => {
        const problems = recipes.flatMap((r) => recipeShapeProblems(recipeText(r)).map((p) => `${r}: ${p}`));
        assert.deepEqual(problems, []);
    });

    it("every Prevented here names a test file of this repository and a title that test file holds", () => {
        const problems = recipes.flatMap((r) => {
            const section = sectionsOf(recipeText(r)).sections.find((s) => s.heading === "Prevented here");
            return section ? preventedHereProblems(section.body, read).map((p) => `${r}: ${p}`) : [];
        });
        assert.deepEqual(problems, []);
        assert.ok(recipes.filter((r) => recipeText(r).includes("\n## Prevented here")).length >= 10, "most troubleshooting recipes say what prevents the problem");
    });

    it("every diagnostic script the recipes call is a recipe script that exists in scripts/recipes and takes the flags used", () => {
        const calls = recipes.flatMap((r) => scriptCalls(recipeText(r)));
        assert.ok(calls.length > 0, "the recipes call no diagnostic script");
        const problems = scriptCallProblems(calls, (name) => read(`scripts/recipes/${name}`));
        assert.deepEqual([...new Set(problems)], []);
    });

    it("the index lists every recipe once, with its symptom and category", () => {
        const index = read(`${recipesDir}/README.md`);
        assert.ok(index, "docs/recipes/README.md is missing");
        assert.deepEqual(indexProblems(index, recipes), []);
    });

    it("every relative link in docs/recipes and docs/governance resolves to a file of the repository", () => {
        const files = [
            ...markdownIn(recipesDir).map((f) => `${recipesDir}/${f}`),
            ...recipes.map((r) => `${recipesDir}/${r}`),
            ...markdownIn(governanceDir).map((f) => `${governanceDir}/${f}`),
        ];
        assert.ok(files.some((f) => f.startsWith(governanceDir)), "docs/governance has no guide");
        const problems = files.flatMap((f) => linkProblems(f, read(f) ?? "", exists).map((p) => `${f}: ${p}`));
        assert.deepEqual(problems, []);
    });
});
