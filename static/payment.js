// The payment page: live status (polls the payment while it is not settled) and, when the browser
// has an injected EIP-1193 wallet, a button that sends the approve and fund transactions.
(function () {
  var root = document.getElementById('payment');
  var status = document.getElementById('payment-status');
  if (!root || !status || !window.fetch) return;
  var job = root.dataset.job;
  var final = ['cleared', 'released', 'refunded', 'frozen', 'blocked'];

  function poll() {
    fetch('/api/v1/jobs/' + job + '/payment', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return;
        if (p.status !== status.textContent) {
          status.textContent = p.status;
          if (final.indexOf(p.status) >= 0) { window.location.reload(); return; }
        }
        if (final.indexOf(p.status) < 0) setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (final.indexOf(status.textContent) < 0) setTimeout(poll, 1500);

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
