/**
 * Fresh projects outside the repository that install the packed npm tarball with nothing but
 * the npm registry, as a platform would: the packaging tests' workbench.
 */

const ROOT = new URL("../../", import.meta.url).pathname;

let tarball: Promise<string> | undefined;

/**
 * Packs the package once per test process (`dev/pack.ts`, as `deno task pack` does).
 *
 * @returns The tarball's absolute path.
 */
export function packedTarball(): Promise<string> {
  tarball ??= (async () => {
    const output = await run(Deno.execPath(), ["run", "-A", "dev/pack.ts"], ROOT);
    return output.trim().split("\n").at(-1)!;
  })();
  return tarball;
}

/**
 * Runs a command and returns its standard output; fails with everything it printed otherwise.
 *
 * @param command The executable.
 * @param args Its arguments.
 * @param cwd Where to run it.
 * @param env Extra variables.
 */
export async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  const { success, code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1", npm_config_fund: "false", npm_config_audit: "false", ...env },
  }).output();
  const out = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${code}:\n${out}\n${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
  return out;
}

/** A project in a temporary folder. */
export interface ConsumerProject extends AsyncDisposable {
  /** Its folder. */
  dir: string;
  /** Writes files, relative to the folder. */
  write(files: Record<string, string>): Promise<void>;
  /** `npm install` of the given packages (the tarball's path among them). */
  install(...packages: string[]): Promise<void>;
  /** Runs a command in the folder. */
  run(command: string, args: string[], env?: Record<string, string>): Promise<string>;
}

/**
 * Creates a project with a `package.json` of `type: module`, outside the repository.
 *
 * @param name The project's name, for its folder and package.json.
 */
export async function consumerProject(name: string): Promise<ConsumerProject> {
  const dir = await Deno.makeTempDir({ prefix: `onramp_consumer_${name}_` });
  const project: ConsumerProject = {
    dir,
    async write(files) {
      for (const [path, text] of Object.entries(files)) {
        const file = `${dir}/${path}`;
        await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
        await Deno.writeTextFile(file, text);
      }
    },
    async install(...packages) {
      await run(
        "npm",
        ["install", "--no-audit", "--no-fund", "--loglevel=error", ...packages],
        dir,
      );
    },
    run: (command, args, env) => run(command, args, dir, env),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  await project.write({
    "package.json": JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }),
  });
  return project;
}
