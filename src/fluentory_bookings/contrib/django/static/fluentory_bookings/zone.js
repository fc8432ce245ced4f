// Tells the server the browser's IANA zone, used when the user has none of their own.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("fb_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "fb_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* old browsers: the site's zone applies */ }
})();
