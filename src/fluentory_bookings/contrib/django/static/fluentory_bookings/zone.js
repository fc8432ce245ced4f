// Tells the server the browser's IANA zone, used when the user has none of their own. On the
// first page, before any cookie, the server could only guess (the site's zone): when the page's
// zone (data-fb-zone on this script) is not the browser's, the page is loaded once more, now in
// the browser's zone. Without this script pages still work, in the site's zone.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) { return; }
    var had = document.cookie.indexOf("fb_tz=") !== -1;
    if (document.cookie.indexOf("fb_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "fb_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
    var script = document.currentScript;
    var shown = script && script.getAttribute("data-fb-zone");
    // Once only: no cookie before, the cookie now stored (cookies allowed), a GET page shown
    // in another zone, and no reload of this kind already done in this tab.
    if (!had && shown && shown !== zone && document.cookie.indexOf("fb_tz=") !== -1
        && window.sessionStorage && !sessionStorage.getItem("fb_tz_reloaded")) {
      sessionStorage.setItem("fb_tz_reloaded", "1");
      window.location.reload();
    }
  } catch (e) { /* old browsers, storage refused: the site's zone applies */ }
})();
