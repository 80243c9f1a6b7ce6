// The console's HTML builder escapes everything it did not build itself, and redirects never
// leave the console.
import { describe, expect, it } from "vitest";
import { href, html, paged } from "../../src/web/console/html.js";
import { safeLocation } from "../../src/web/console/page.js";

describe("html", () => {
  it("escapes interpolated text, in text and in attributes, at any depth", () => {
    const name = `"><script>alert(1)</script>`;
    const out = html`<a title="${name}">${[name, html`<b>${name}</b>`]}</a>`.value;
    expect(out).not.toContain("<script>");
    expect(out).toBe(
      '<a title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;<b>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b></a>',
    );
  });

  it("keeps fragments it built as markup, and leaves out absent parts", () => {
    expect(html`<p>${html`<em>${"a&b"}</em>`}${undefined}${null}${false}${0}</p>`.value).toBe("<p><em>a&amp;b</em>0</p>");
  });

  it("builds query strings that cannot break out of an attribute", () => {
    expect(href("/console/vaults/x/secret", { path: 'a/"b c', page: 2, empty: "" })).toBe("/console/vaults/x/secret?path=a%2F%22b+c&page=2");
  });
});

describe("paged", () => {
  const items = Array.from({ length: 60 }, (_, i) => i);
  it("slices 25 at a time and clamps pages out of range", () => {
    expect(paged(items, new URLSearchParams("page=2"), "/p").rows).toEqual(items.slice(25, 50));
    expect(paged(items, new URLSearchParams("page=99"), "/p").rows).toEqual(items.slice(50));
    expect(paged(items, new URLSearchParams("page=-3"), "/p").rows).toEqual(items.slice(0, 25));
    expect(paged(items, new URLSearchParams("page=abc"), "/p").rows).toEqual(items.slice(0, 25));
    expect(paged(items.slice(0, 3), new URLSearchParams(), "/p").pager.value).toBe("");
  });

  it("keeps a second list's page in its own parameter, and the first list's in the links", () => {
    const second = paged(items, new URLSearchParams("page=2&out=3"), "/p", { page: "2" }, { param: "out" });
    expect(second.rows).toEqual(items.slice(50));
    expect(second.pager.value).toContain('href="/p?page=2&amp;out=2"');
  });
});

describe("safeLocation", () => {
  it("keeps redirects inside the console", () => {
    expect(safeLocation("/console/vaults?x=1")).toBe("/console/vaults?x=1");
    expect(safeLocation("/console")).toBe("/console");
    for (const outside of ["https://evil.example/console/", "//evil.example", "/consolex", "/v1/vaults", "javascript:alert(1)", ""]) {
      expect(safeLocation(outside)).toBe("/console");
    }
    expect(safeLocation("/console/a\r\nSet-Cookie: x=1")).toBe("/console/aSet-Cookie: x=1");
  });
});
