import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Plugin } from "vite";

/**
 * @ionic/react ships as one module that imports every Ionic web component it wraps. A bundler cannot split one
 * module between chunks, so every component any screen uses (textarea, select, toggle, refresher, toast …) ends up
 * in the entry chunk beside the module, and the sign-in screen downloads them all.
 *
 * This plugin gives each simple wrapper its own small module, built from the same factory @ionic/react uses, and
 * points the app's imports at it: a component then travels with the lazy screens that render it. The wrappers it
 * rebuilds are read from @ionic/react's own source at build time, so an upgrade that changes their shape only makes
 * fewer of them split (the rest keep coming from the package), never a broken build.
 */

const IONIC_REACT_MODULE = /[\\/]@ionic[\\/]react[\\/]dist[\\/]index\.js$/;
const APP_SOURCE = /[\\/]src[\\/].+\.tsx?$/;
const VIRTUAL_PREFIX = "\0ionic-react-part:";
/** Internals of @ionic/react that the rebuilt wrappers call; exported from the package module under these names. */
const INTERNALS = ["createReactComponent", "createRoutingComponent", "createInlineOverlayComponent", "useController"];
const internalName = (name: string) => `__etude_${name}`;

interface PackageImport {
	imported: string;
	from: string;
}

function packageImports(source: string): Map<string, PackageImport> {
	const imports = new Map<string, PackageImport>();
	for (const match of source.matchAll(/^import \{ ([\w$]+) as ([\w$]+) \} from '([^']+)';$/gm)) {
		imports.set(match[2]!, { imported: match[1]!, from: match[3]! });
	}
	return imports;
}

/** `import { a as b } from "…"` lines for the package imports an expression mentions. */
function importsFor(code: string, imports: Map<string, PackageImport>): string[] {
	return [...imports]
		.filter(([local]) => new RegExp(`(?<![\\w$])${local.replace(/\$/g, "\\$")}(?![\\w$])`).test(code))
		.map(([local, { imported, from }]) => `import { ${imported} as ${local} } from ${JSON.stringify(from)};`);
}

/** Module source for each wrapper that can stand alone, by exported name. */
export function standaloneWrappers(source: string): Map<string, string> {
	const imports = packageImports(source);
	const modules = new Map<string, string>();
	const internals = `import { ${INTERNALS.map((name) => `${internalName(name)} as ${name}`).join(", ")} } from "@ionic/react";`;

	// const IonTextarea = /*@__PURE__*/ createReactComponent('ion-textarea', undefined, undefined, defineCustomElement$13);
	const component = /^const (Ion\w+) = \/\*@__PURE__\*\/ ((?:createReactComponent|createRoutingComponent|createInlineOverlayComponent)\('[a-z-]+'(?:, [\w$]+)*\));$/gm;
	for (const [, name, call] of source.matchAll(component)) {
		modules.set(name!, [internals, ...importsFor(call!, imports), `export const ${name} = /*@__PURE__*/ ${call};`].join("\n"));
	}

	// function useIonToast() { const controller = useController('IonToast', toastController, defineCustomElement$1a); … }
	const controllerHook = /^function (useIon\w+)\(\) \{\n {4}const controller = useController\('\w+', (\w+), [\w$]+\);\n[\s\S]*?^\}$/gm;
	for (const [body, name, coreController] of source.matchAll(controllerHook)) {
		modules.set(
			name!,
			[
				internals,
				`import { useCallback } from "react";`,
				`import { ${coreController} } from "@ionic/core/components";`,
				...importsFor(body, imports),
				`export ${body}`
			].join("\n")
		);
	}
	return modules;
}

/** Splits `{ IonButton, IonTextarea as Area, type X }` into specifiers that stay and ones that move to a part. */
function rewriteImport(specifiers: string, parts: Map<string, string>): string | undefined {
	const kept: string[] = [];
	const moved: string[] = [];
	for (const specifier of specifiers.split(",").map((text) => text.trim()).filter(Boolean)) {
		const imported = specifier.split(/\s+as\s+/)[0]!;
		if (parts.has(imported)) moved.push(`import { ${specifier} } from ${JSON.stringify(VIRTUAL_PREFIX + imported)};`);
		else kept.push(specifier);
	}
	if (moved.length === 0) return undefined;
	// On one line, so the code after the import keeps its line numbers (source maps stay right).
	return [...(kept.length > 0 ? [`import { ${kept.join(", ")} } from "@ionic/react";`] : []), ...moved].join(" ");
}

export function ionicReactPerComponent(): Plugin {
	const packagePath = createRequire(import.meta.url).resolve("@ionic/react");
	const parts = standaloneWrappers(readFileSync(packagePath, "utf8"));

	return {
		name: "etude:ionic-react-per-component",
		apply: "build",
		enforce: "pre",
		resolveId(id) {
			return id.startsWith(VIRTUAL_PREFIX) ? id : undefined;
		},
		load(id) {
			return id.startsWith(VIRTUAL_PREFIX) ? parts.get(id.slice(VIRTUAL_PREFIX.length)) : undefined;
		},
		transform(code, id) {
			if (IONIC_REACT_MODULE.test(id)) {
				// A few wrappers (IonNav, IonPage …) lack the pure mark their siblings have, which would keep them and
				// their web components in every build whether the app renders them or not.
				const marked = code.replace(/^const (\w+) = (createForwardRef|createReactComponent)\(/gm, "const $1 = /*@__PURE__*/ $2(");
				const exported = INTERNALS.map((name) => `${name} as ${internalName(name)}`).join(", ");
				return { code: `${marked}\nexport { ${exported} };\n`, map: null };
			}
			if (!APP_SOURCE.test(id) || !code.includes("@ionic/react")) return undefined;
			let changed = false;
			const rewritten = code.replace(/import\s*\{([^}]*)\}\s*from\s*["']@ionic\/react["'];?/g, (statement, specifiers: string) => {
				const replacement = rewriteImport(specifiers, parts);
				if (!replacement) return statement;
				changed = true;
				return replacement;
			});
			return changed ? { code: rewritten, map: null } : undefined;
		}
	};
}
