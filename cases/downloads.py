"""The one way an attachment leaves the portal: streamed, as a download, never inline.

The API's ``download_url`` and the case page's links both end here, after their own tenant
check (``CaseAttachment.objects.for_user``): another partner's attachment is a 404.
"""

from __future__ import annotations

from django.http import FileResponse

from .models import CaseAttachment


def attachment_response(attachment: CaseAttachment) -> FileResponse:
    """The stored bytes as ``application/octet-stream`` with ``Content-Disposition:
    attachment`` and the original name (RFC 6266 ``filename*`` for non-ASCII names). The
    declared type is never used: a browser must not render an uploaded HTML or SVG file in
    the portal's origin."""
    stream = attachment.file.open("rb")
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
