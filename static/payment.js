// The payment page: live status (polls the payment while it is not settled) and, when the browser
// has an injected EIP-1193 wallet, a button that sends the approve and fund transactions.
(function () {
  var root = document.getElementById('payment');
  if (!root || !window.fetch) return;
  var job = root.dataset.job;
  var final = ['cleared', 'released', 'refunded', 'frozen', 'blocked'];

  // A card purchase: the page is rendered on the server; reload it when the escrow's or the job's
  // status changes, until the payment is settled and the job has moved on.
  if (root.dataset.mode === 'card') {
    var waiting = ['awaiting_payment', 'payment_review'];
    var get = function (path) {
      return fetch(path, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; });
    };
    var done = function (payment, jobStatus) { return final.indexOf(payment) >= 0 && waiting.indexOf(jobStatus) < 0; };
    var pollCard = function () {
      Promise.all([get('/api/v1/jobs/' + job + '/payment'), get('/api/v1/jobs/' + job)])
        .then(function (both) {
          var p = both[0], j = both[1];
          if (!p || !j) { setTimeout(pollCard, 5000); return; }
          if (p.status !== root.dataset.paymentStatus || j.status !== root.dataset.jobStatus) { window.location.reload(); return; }
          if (!done(p.status, j.status)) setTimeout(pollCard, 2000);
        })
        .catch(function () { setTimeout(pollCard, 5000); });
    };
    if (!done(root.dataset.paymentStatus, root.dataset.jobStatus)) setTimeout(pollCard, 2000);
    return;
  }

  var status = document.getElementById('payment-status');
  if (!status) return;
  var labels = {};
  try { labels = JSON.parse(status.dataset.labels || '{}'); } catch (e) { labels = {}; }

  function poll() {
    fetch('/api/v1/jobs/' + job + '/payment', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return;
        if (p.status !== status.dataset.status) {
          status.dataset.status = p.status;
          status.textContent = labels[p.status] || p.status;
          var help = document.getElementById('payment-status-help');
          if (help) help.textContent = '';
          if (final.indexOf(p.status) >= 0) { window.location.reload(); return; }
        }
        if (final.indexOf(p.status) < 0) setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (final.indexOf(status.dataset.status) < 0) setTimeout(poll, 1500);

  var button = document.getElementById('pay-with-wallet');
  var note = document.getElementById('wallet-status');
  if (!button) return;

  function pay(eth) {
    var from;
    note.textContent = 'Connecting…';
    eth.request({ method: 'eth_requestAccounts' })
      .then(function (accounts) {
        from = (accounts || []).find(function (a) { return a.toLowerCase() === root.dataset.buyer.toLowerCase(); });
        if (!from) throw new Error('Select your verified wallet ' + root.dataset.buyer + ' in your wallet.');
        return eth.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x' + Number(root.dataset.chain).toString(16) }] })
          .catch(function () { /* the wallet may already be on it */ });
      })
      .then(function () {
        note.textContent = 'Approve the escrow in your wallet…';
        return eth.request({ method: 'eth_sendTransaction', params: [{ from: from, to: root.dataset.token, data: root.dataset.approve }] });
      })
      .then(function () {
        note.textContent = 'Fund the escrow in your wallet…';
        return eth.request({ method: 'eth_sendTransaction', params: [{ from: from, to: root.dataset.escrow, data: root.dataset.fund }] });
      })
      .then(function (hash) { note.textContent = 'Sent (' + hash + '); waiting for the chain…'; setTimeout(poll, 1000); })
      .catch(function (e) { note.textContent = (e && e.message) || 'The wallet refused.'; });
  }

  // A wallet injected before this script, or later (wallets announce themselves with this event).
  function offer() {
    var eth = window.ethereum;
    if (!eth || !eth.request || !button.hidden) return;
    button.hidden = false;
    button.addEventListener('click', function () { pay(eth); });
  }
  offer();
  window.addEventListener('ethereum#initialized', offer, { once: true });
})();
