// The page script, served from /assets/app.js: live progress of the add form on the home page
// (and the list under it refreshed as the new link is queued and captured), inline tag edits and
// delete on the home and snapshot pages. Plain browser JS, no build step, no network but ours.
export const ClientScript = String.raw`
'use strict';
(function () {
  var messagesEl = document.getElementById('messages');
  var M = messagesEl ? JSON.parse(messagesEl.textContent || '{}') : {};
  function t(key, params) {
    var text = M[key] || key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) { return params && name in params ? String(params[name]) : whole; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }
  function api(method, path, body) {
    var init = { method: method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      if (res.status === 204) return null;
      return res.json().then(function (json) {
        if (!res.ok) {
          var error = new Error((json.error && (json.error.localized ? json.error.localized + ' ' : '') + json.error.message) || res.statusText);
          error.status = res.status;
          throw error;
        }
        return json;
      });
    });
  }

  // Workspace switch: submit on change (the button stays for keyboards without scripts).
  document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });

  // The list under the add form and the tag counts beside it, re-read from the server so a new
  // link shows as the server renders it (status, tags, thumbnail), within the page's filters.
  // One at a time, so an earlier (queued) answer never lands after a later (done) one.
  var refreshing = Promise.resolve();
  function refreshList() {
    refreshing = refreshing.then(loadList);
    return refreshing;
  }
  function loadList() {
    var parts = ['link-results', 'tag-list'].filter(function (id) { return document.getElementById(id); });
    if (!parts.length) return Promise.resolve();
    return fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        parts.forEach(function (id) {
          var next = fresh.getElementById(id);
          if (next) document.getElementById(id).replaceWith(document.importNode(next, true));
        });
      })
      .catch(function () {
        // The list stays as it was; the result card under the form still links to the snapshot.
      });
  }

  // "Add link" in the menu jumps to the form: put the cursor in it.
  function focusAdd() {
    var url = document.getElementById('url');
    if (url && location.hash === '#add') url.focus();
  }
  focusAdd();
  window.addEventListener('hashchange', focusAdd);

  // Add link with live progress.
  var form = document.getElementById('add-form');
  if (form) {
    var progress = document.getElementById('progress');
    var progressText = document.getElementById('progress-text');
    var errorBox = document.getElementById('add-error');
    var result = document.getElementById('result');
    var submit = document.getElementById('add-submit');
    var stream = null;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (stream) stream.close();
      errorBox.hidden = true;
      result.hidden = true;
      result.textContent = '';
      submit.disabled = true;
      submit.textContent = t('add.working');
      var data = new FormData(form);
      api('POST', '/api/snapshots', {
        url: String(data.get('url') || ''),
        tags: String(data.get('tags') || ''),
        force: data.get('force') === '1',
        workspace: form.getAttribute('data-workspace') || 'local'
      }).then(function (accepted) {
        progress.hidden = false;
        showStatus(accepted.snapshot, accepted.deduplicated);
        refreshList();
        if (accepted.snapshot.status === 'done' || accepted.snapshot.status === 'failed') return finish(accepted.snapshot, accepted.link);
        stream = new EventSource(accepted.eventsUrl);
        stream.addEventListener('status', function (message) {
          var snapshot = JSON.parse(message.data);
          showStatus(snapshot, accepted.deduplicated);
          if (snapshot.status === 'done' || snapshot.status === 'failed') {
            stream.close();
            finish(snapshot, accepted.link);
          }
        });
        stream.addEventListener('error', function () {
          // The browser reconnects by itself; the stream ends after done or failed.
        });
      }).catch(function (error) {
        errorBox.textContent = error.message;
        errorBox.hidden = false;
        resetButton();
      });
    });
    function resetButton() {
      submit.disabled = false;
      submit.textContent = submit.getAttribute('data-label') || submit.textContent;
    }
    submit.setAttribute('data-label', submit.textContent);
    function showStatus(snapshot, deduplicated) {
      var order = ['queued', 'capturing', 'done'];
      var reached = snapshot.status === 'failed' ? -1 : order.indexOf(snapshot.status);
      progress.querySelectorAll('[data-step]').forEach(function (step, index) {
        step.classList.toggle('reached', index <= reached);
        step.classList.toggle('failed', snapshot.status === 'failed' && index === 2);
      });
      progress.setAttribute('data-status', snapshot.status);
      progressText.textContent = (deduplicated ? t('add.deduplicated') + ' ' : '') + t('status.' + snapshot.status) + (snapshot.status === 'failed' && snapshot.errorText ? ': ' + snapshot.errorText : '');
    }
    function finish(snapshot, link) {
      resetButton();
      var children = [];
      if (snapshot.artifacts && snapshot.artifacts.thumbnail) children.push(el('img', { src: snapshot.artifacts.thumbnail.url, alt: '' }));
      var body = el('div', {}, [
        el('h2', { text: snapshot.title || t('untitled'), dir: 'auto' }),
        el('p', { class: 'url', text: link.url }),
        el('p', {}, [el('a', { href: snapshot.viewUrl, id: 'open-snapshot', text: t('add.open') + ' →' })])
      ]);
      children.push(body);
      result.appendChild(el('div', { class: 'result-card status-' + snapshot.status, 'data-status': snapshot.status }, children));
      result.hidden = false;
      refreshList();
    }
  }

  // Tags: add and remove in place.
  function renderTags(list, tags) {
    list.textContent = '';
    tags.forEach(function (tag) {
      list.appendChild(el('li', { class: 'tag', 'data-tag': tag }, [
        el('a', { href: '/?tag=' + encodeURIComponent(tag), text: '#' + tag }),
        el('button', { type: 'button', class: 'tag-remove', 'data-tag': tag, 'aria-label': t('links.removeTag', { tag: tag }), text: '×' })
      ]));
    });
  }
  function tagListFor(node) {
    // The card on the link list, the action row on the snapshot view.
    var holder = node.closest('.card') || node.closest('.card-actions');
    return holder ? holder.querySelector('ul.tags') : null;
  }
  document.addEventListener('submit', function (event) {
    var tagForm = event.target.closest && event.target.closest('form.tag-add');
    if (!tagForm) return;
    event.preventDefault();
    var input = tagForm.querySelector('input[name=tag]');
    var value = input.value.trim();
    if (!value) return;
    api('PATCH', '/api/snapshots/' + encodeURIComponent(tagForm.getAttribute('data-snapshot')), { add: value }).then(function (reply) {
      var list = tagListFor(tagForm);
      if (list) renderTags(list, reply.link.tags);
      input.value = '';
      input.focus();
    }).catch(function (error) { alert(error.message); });
  });
  document.addEventListener('click', function (event) {
    var remove = event.target.closest && event.target.closest('button.tag-remove');
    if (remove) {
      var holder = remove.closest('[data-snapshot]');
      api('PATCH', '/api/snapshots/' + encodeURIComponent(holder.getAttribute('data-snapshot')), { remove: [remove.getAttribute('data-tag')] }).then(function (reply) {
        var list = tagListFor(remove);
        if (list) renderTags(list, reply.link.tags);
      }).catch(function (error) { alert(error.message); });
      return;
    }
    var del = event.target.closest && event.target.closest('button.delete');
    if (del) {
      if (!confirm(t('links.confirmDelete'))) return;
      var card = del.closest('.card');
      if (card) card.classList.add('removing');
      api('DELETE', '/api/snapshots/' + encodeURIComponent(del.getAttribute('data-snapshot'))).then(function () {
        var after = del.getAttribute('data-after');
        if (after) { location.href = after; return; }
        if (card) card.remove();
      }).catch(function (error) {
        if (card) card.classList.remove('removing');
        alert(error.message);
      });
    }
  });

  // The watch form's cron field matters only when "Cron expression" is chosen; without scripts it stays shown.
  var everySelect = document.getElementById('watch-every');
  var cronField = document.getElementById('watch-cron');
  if (everySelect && cronField) {
    var cronBox = cronField.closest('.field');
    var syncCron = function () { cronBox.hidden = everySelect.value !== 'cron'; };
    everySelect.addEventListener('change', function () {
      syncCron();
      if (everySelect.value === 'cron') cronField.focus();
    });
    syncCron();
  }

  // The static copy and the replay as two tabs. The replay frame loads on first use only: its
  // viewer is large, and it runs the archived page's scripts.
  var replayPanel = document.getElementById('panel-replay');
  if (replayPanel) {
    var replayFrame = document.getElementById('replay-frame');
    var startReplay = function () {
      if (!replayFrame.getAttribute('src')) replayFrame.setAttribute('src', replayPanel.getAttribute('data-replay'));
      replayFrame.hidden = false;
      var start = document.getElementById('replay-start');
      if (start) start.hidden = true;
    };
    var tabList = document.querySelector('.archive-views [role=tablist]');
    if (tabList) {
      var tabs = Array.prototype.slice.call(tabList.querySelectorAll('[role=tab]'));
      var select = function (tab, focus) {
        tabs.forEach(function (other) {
          var chosen = other === tab;
          other.setAttribute('aria-selected', chosen ? 'true' : 'false');
          other.tabIndex = chosen ? 0 : -1;
          document.getElementById(other.getAttribute('aria-controls')).hidden = !chosen;
        });
        if (tab.id === 'tab-replay') startReplay();
        if (focus) tab.focus();
      };
      tabs.forEach(function (tab, index) {
        tab.addEventListener('click', function () { select(tab, false); });
        tab.addEventListener('keydown', function (event) {
          if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
          event.preventDefault();
          select(tabs[(index + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length], true);
        });
      });
      tabList.hidden = false;
      select(tabs[0], false);
    } else {
      var startButton = document.getElementById('replay-start');
      if (startButton) startButton.addEventListener('click', startReplay);
    }
  }

  // A snapshot still being captured: reload when it is ready.
  var pending = document.querySelector('article.snapshot[data-status=queued], article.snapshot[data-status=capturing]');
  if (pending && window.EventSource) {
    var grant = pending.getAttribute('data-grant');
    var source = new EventSource('/api/snapshots/' + encodeURIComponent(pending.getAttribute('data-snapshot')) + '/events' + (grant ? '?' + grant : ''));
    source.addEventListener('status', function (message) {
      var snapshot = JSON.parse(message.data);
      if (snapshot.status === 'done' || snapshot.status === 'failed') {
        source.close();
        location.reload();
      }
    });
  }
})();
`;
