// Sources: the catalog of webhook senders from the live config, with each one's URL to copy.
import { byId, h, replace, say, table } from './dom.js';

const DATA_CLASS = {
  public: 'Public',
  internal: 'Internal',
  personal: 'Personal data',
  sensitive: 'Sensitive personal data',
};

export function createSourcesView() {
  const list = byId('sources-list');
  const status = byId('sources-status');

  const copyButton = (source) => {
    const button = h(
      'button',
      { type: 'button', class: 'small', 'aria-label': `Copy the webhook URL of ${source.name}` },
      'Copy',
    );
    button.addEventListener('click', async () => {
      const copied = await copy(source.webhookUrl);
      say(
        status,
        copied
          ? `Copied the webhook URL of ${source.name}.`
          : `Could not reach the clipboard: select the URL of ${source.name} and copy it.`,
        copied ? 'ok' : 'bad',
      );
      button.textContent = copied ? 'Copied' : 'Copy';
      setTimeout(() => {
        button.textContent = 'Copy';
      }, 2_000);
    });
    return button;
  };

  return {
    render(sources) {
      if (sources.length === 0) {
        replace(list, h('p', { class: 'empty' }, 'The config has no sources.'));
        return;
      }
      replace(
        list,
        table(
          [
            { label: 'Source', cell: (source) => h('strong', {}, source.name), class: 'nowrap' },
            {
              label: 'Webhook URL',
              class: 'grow',
              cell: (source) =>
                h('span', { class: 'url' }, h('code', {}, source.webhookUrl), ' ', copyButton(source)),
            },
            { label: 'Scheme', cell: (source) => source.scheme },
            { label: 'Mapping', cell: (source) => source.mapping },
            {
              label: 'Owner',
              cell: (source) =>
                source.owner ? h('bdi', {}, source.owner) : h('span', { class: 'muted' }, 'not set'),
            },
            {
              label: 'Purpose',
              cell: (source) =>
                source.description
                  ? h('bdi', {}, source.description)
                  : h('span', { class: 'muted' }, 'not described'),
            },
            { label: 'Data class', cell: (source) => DATA_CLASS[source.dataClass] ?? source.dataClass },
          ],
          sources,
          { caption: 'Sources', rowProps: (source) => ({ 'data-source': source.name }) },
        ),
      );
    },
  };
}

/** Copies text; the async clipboard first, the selection of a hidden field where it is refused. */
async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const field = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
    field.value = text;
    document.body.append(field);
    field.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    field.remove();
    return copied;
  }
}
