// Lint rules: typescript-eslint's recommended set everywhere, and, where Pulumi Outputs flow (the
// program: stacks, components), the type-aware rules that catch an Output used as a string (in a
// template literal or with `+`), which puts "Calling [toString] on an [Output<T>]" into a resource's
// input instead of its value.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "reports/", ".stryker-tmp/", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        rules: {
            // A leading underscore marks a parameter an interface requires but this code does not use.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["index.ts", "stacks/**/*.ts", "components/**/*.ts"],
        languageOptions: {
            parserOptions: { project: "./tsconfig.program.json", tsconfigRootDir: import.meta.dirname },
        },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/restrict-plus-operands": ["error", { allowNumberAndString: true }],
        },
    },
);
