// Block Kit limits the stand-in enforces as Slack does: a message breaking one is refused with
// `invalid_blocks` and the reason in `response_metadata.messages`, so a test fails where Slack would
// refuse the post instead of passing on blocks no real workspace would show.
// https://api.slack.com/reference/block-kit/blocks

const Limits = {
  blocks: 50,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3_000,
  actionId: 255,
  contextElements: 10,
  altText: 2_000,
  imageTitle: 2_000,
  headerText: 150,
} as const;

/** The problems Slack would report for these blocks, empty when it would accept them. */
export function blockProblems(blocks: unknown): string[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const problems: string[] = [];
  if (blocks.length > Limits.blocks) problems.push(`no more than ${Limits.blocks} items allowed [json-pointer:/blocks]`);
  blocks.forEach((block: any, index) => {
    const at = `[json-pointer:/blocks/${index}]`;
    const length = (value: unknown) => (typeof value === 'string' ? value.length : 0);
    switch (block?.type) {
      case 'section': {
        if (!block.text && !block.fields) problems.push(`section needs text or fields ${at}`);
        if (length(block.text?.text) > Limits.sectionText) problems.push(`must be less than ${Limits.sectionText} characters ${at}/text`);
        if (length(block.text?.text) === 0 && block.text) problems.push(`must be more than 0 characters ${at}/text`);
        if (Array.isArray(block.fields)) {
          if (block.fields.length > Limits.fields) problems.push(`no more than ${Limits.fields} items allowed ${at}/fields`);
          block.fields.forEach((field: any, i: number) => {
            if (length(field?.text) > Limits.fieldText) problems.push(`must be less than ${Limits.fieldText} characters ${at}/fields/${i}`);
          });
        }
        if (block.accessory?.type === 'image') problems.push(...imageProblems(block.accessory, `${at}/accessory`));
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (!elements.length || elements.length > Limits.actionsElements) problems.push(`1 to ${Limits.actionsElements} elements allowed ${at}/elements`);
        const ids = new Set<string>();
        elements.forEach((element: any, i: number) => {
          const where = `${at}/elements/${i}`;
          if (element?.type !== 'button') return;
          if (length(element.text?.text) > Limits.buttonText) problems.push(`must be less than ${Limits.buttonText} characters ${where}/text`);
          if (element.url !== undefined && (length(element.url) > Limits.buttonUrl || !/^https?:\/\//.test(element.url))) problems.push(`invalid url ${where}/url`);
          if (length(element.action_id) > Limits.actionId) problems.push(`action_id too long ${where}`);
          if (element.action_id) {
            if (ids.has(element.action_id)) problems.push(`action_id must be unique within the block ${where}`);
            ids.add(element.action_id);
          }
        });
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (!elements.length || elements.length > Limits.contextElements) problems.push(`1 to ${Limits.contextElements} elements allowed ${at}/elements`);
        elements.forEach((element: any, i: number) => {
          if (element?.type === 'image') problems.push(...imageProblems(element, `${at}/elements/${i}`));
        });
        break;
      }
      case 'image': {
        problems.push(...imageProblems(block, at));
        if (length(block.title?.text) > Limits.imageTitle) problems.push(`must be less than ${Limits.imageTitle} characters ${at}/title`);
        break;
      }
      case 'header':
        if (length(block.text?.text) > Limits.headerText) problems.push(`must be less than ${Limits.headerText} characters ${at}/text`);
        break;
      case 'divider':
      case 'input':
      case 'rich_text':
        break;
      default:
        problems.push(`unsupported type: ${String(block?.type)} ${at}`);
    }
  });
  return problems;
}

function imageProblems(image: any, at: string): string[] {
  const problems: string[] = [];
  if (!image.alt_text) problems.push(`alt_text is required ${at}`);
  else if (image.alt_text.length > Limits.altText) problems.push(`must be less than ${Limits.altText} characters ${at}/alt_text`);
  if (!image.image_url && !image.slack_file?.id && !image.slack_file?.url) problems.push(`image_url or slack_file is required ${at}`);
  return problems;
}
