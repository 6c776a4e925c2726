import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { docPages, githubAnchor, headings, proseLines, readDoc, relativeLinks } from "./docs";

const ROOT = path.resolve(__dirname, "..");

describe("the docs", () => {
  const pages = docPages();

  it("keep the README a front door: under 200 lines", () => {
    expect(readDoc("README.md").split("\n").length).to.be.at.most(200);
  });

  it("reach every topic page from the README in one click", () => {
    const linked = new Set(relativeLinks(readDoc("README.md")).map((link) => link.split("#")[0]));
    const topics = pages.filter((page) => page !== "README.md");
    expect(topics.length).to.be.at.least(7);
    expect(topics.filter((page) => !linked.has(page))).to.deep.equal([]);
  });

  it("give each page one title and no heading twice", () => {
    for (const page of pages) {
      const found = headings(readDoc(page));
      expect(
        found.filter((h) => h.level === 1),
        page,
      ).to.have.length(1);
      const anchors = found.map((h) => githubAnchor(h.title));
      expect(
        anchors.filter((a, i) => anchors.indexOf(a) !== i),
        page,
      ).to.deep.equal([]);
    }
  });

  it("link only to files that exist and headings that are there", () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of relativeLinks(readDoc(page))) {
        const [file, anchor] = link.split("#");
        const target = file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
        if (!fs.existsSync(path.join(ROOT, target))) {
          broken.push(`${page}: ${link} (no file ${target})`);
          continue;
        }
        if (anchor !== undefined && target.endsWith(".md")) {
          const anchors = headings(readDoc(target)).map((h) => githubAnchor(h.title));
          if (!anchors.includes(anchor)) {
            broken.push(`${page}: ${link} (no heading #${anchor} in ${target})`);
          }
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("leave no placeholder for a figure still to be measured", () => {
    // Drafts mark a missing figure as ⟪NAME⟫ or SHOUTING_NAME outside code; neither may be published.
    const placeholders = pages.flatMap((page) =>
      proseLines(readDoc(page))
        .map((line) => line.replace(/`[^`]*`/g, "`…`"))
        .filter((line) => /⟪[^⟫]*⟫/.test(line) || /(^|[\s(])[A-Z][A-Z0-9]*(_[A-Z0-9]+)+([\s.,)]|$)/.test(line))
        .map((line) => `${page}: ${line.trim().slice(0, 80)}`),
    );
    expect(placeholders).to.deep.equal([]);
  });

  it("make anchors as GitHub does", () => {
    expect(githubAnchor("Outputs, and the monolith (the guide's step 5)")).to.equal(
      "outputs-and-the-monolith-the-guides-step-5",
    );
    expect(githubAnchor("Bootstrap: `npm run bootstrap`")).to.equal("bootstrap-npm-run-bootstrap");
  });
});
