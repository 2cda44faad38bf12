// A fixture page that a test rewrites between captures, so a watch or diff has a real change to
// find. The same texts serve every such test, so what one counts as added another counts too.

export function changingPage(title: string, updated: string, paragraphs: string[], heading = title): string {
  return `<!doctype html><html lang="en"><head><title>${title}</title></head><body><article>
    <h1>${heading}</h1>
    <p>Updated ${updated}</p>
    ${paragraphs.map((text) => `<p>${text}</p>`).join('\n')}
  </article></body></html>`;
}

export const Paragraphs = [
  'The harbour keeps two tides a day, and the times below are for the outer pier where the ferry leaves.',
  'Spring tides come with the full and the new moon; neap tides fall between them, a week apart.',
  'Boats drawing more than two metres should leave within an hour either side of high water.',
];

/** The paragraph a changed version adds after `Paragraphs`. */
export const Added = 'From next month the ferry also leaves from the inner pier at low water, weather permitting.';
