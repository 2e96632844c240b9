/**
 * Hono's `html` tag, typed for markup built from plain values only. The tag escapes every
 * interpolated string and number and leaves nested `html` results and `raw(…)` as they are;
 * given no promise it builds its result at once, so the pages here stay plain strings.
 *
 * @module
 */
import { html as honoHtml, raw as honoRaw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** Markup that is already escaped: the result of {@linkcode html} or {@linkcode raw}. */
export type Html = HtmlEscapedString;

/** What {@linkcode html} takes between `${…}`: `false`, `null` and `undefined` render nothing. */
export type HtmlPart = string | number | false | null | undefined | Html | readonly HtmlPart[];

/**
 * Builds markup, escaping each interpolated string (`&`, `<`, `>`, `"`, `'`), so it is safe as
 * text and inside quoted attributes. Lists are joined with nothing between. Hono's tag returns
 * a promise only when a part is one, and {@linkcode HtmlPart} admits none, hence the narrower type.
 *
 * @example Escape a hostile name
 * ```ts
 * import { html } from "./_html.ts";
 *
 * const name = "<script>alert(1)</script>";
 * const markup = html`<p>Hello ${name}</p>`; // <p>Hello &lt;script&gt;alert(1)&lt;/script&gt;</p>
 * ```
 */
export const html = honoHtml as (strings: TemplateStringsArray, ...parts: HtmlPart[]) => Html;

/**
 * Marks a string as markup, inserted by {@linkcode html} without escaping. Only for text this
 * module's callers write themselves (a style sheet) or have made safe for where it goes.
 */
export const raw: (value: string) => Html = honoRaw;
