/* Photos from a phone are often 3–8 MB; the server takes at most WEBMAP_MAX_BODY_BYTES
 * (1 MB by default) for the whole form. Before sending, each photo is drawn on a canvas
 * and re-encoded as JPEG, its longest edge at most `edge` px (2000 by default, quality
 * 0.85), smaller again if the photos together would still not fit. A photo that is
 * already small enough is sent as it is. The server re-encodes and strips every photo
 * anyway (webmap/photo_ingest.py): this only makes them fit.
 * window.WebMapSuggestPhotos.fit(files, {budget, edge, quality}) → Promise<[{blob, name}]>. */
(function () {
  "use strict";

  const TYPES = ["image/jpeg", "image/png", "image/webp"];

  function encode(bitmap, edge, quality) {
    const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";  // a transparent PNG becomes white, not black
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  }
  const jpegName = (name) => (name || "photo").replace(/\.[^.]*$/, "") + ".jpg";

  async function one(file, budget, edge, quality) {
    if (TYPES.includes(file.type) && file.size <= budget) return {blob: file, name: file.name};
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);  // turned upright from its EXIF orientation
    } catch (e) {
      return {blob: file, name: file.name};  // not a picture this browser reads: the server says why
    }
    // Smaller and smaller until it fits (a photo of fine detail may need a second try).
    const tries = [[edge, quality], [edge * 0.8, quality - 0.1], [edge * 0.6, quality - 0.15], [edge * 0.4, 0.6]];
    let blob = null;
    for (const [e, q] of tries) {
      blob = await encode(bitmap, Math.round(e), q);
      if (blob && blob.size <= budget) break;
    }
    if (bitmap.close) bitmap.close();
    return blob ? {blob, name: jpegName(file.name)} : {blob: file, name: file.name};
  }

  /* Each photo gets an equal share of `budget` bytes. */
  function fit(files, opts) {
    const share = Math.floor(opts.budget / Math.max(1, files.length));
    return Promise.all(Array.from(files).map((f) => one(f, share, opts.edge, opts.quality)));
  }

  window.WebMapSuggestPhotos = {fit};
})();
