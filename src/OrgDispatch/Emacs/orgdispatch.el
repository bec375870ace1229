;;; orgdispatch.el --- OrgDispatch's side of the Emacs transport  -*- lexical-binding: t -*-

;; Shipped inside the OrgDispatch library and evaluated in the daemon on first use (again when
;; the version below changes); there is nothing to install.  Loading it twice is harmless.
;;
;; The queue logic runs in .NET.  Emacs only hands out the text of the buffer visiting the
;; dispatch file with a version, and applies small edits if that version is unchanged
;; (compare-and-swap).  Each function runs inside one server evaluation and never waits for
;; input or output, so Emacs runs it whole: no other client's request lands in between.
;;
;; Text crosses the socket as base64 of UTF-8, so it arrives byte for byte whatever the
;; coding systems of the daemon, and positions are character positions, as Emacs counts.

(require 'subr-x)

(defconst orgdispatch-el-version 4
  "The version of the OrgDispatch functions loaded in this Emacs.")

(defvar orgdispatch--serial 0
  "Counts the buffers this Emacs has served, so a revisited file gets a new version.")

(defvar-local orgdispatch--buffer-serial nil
  "This buffer's number from `orgdispatch--serial'.")

(defun orgdispatch--guard (thunk)
  "Call THUNK; an error becomes (:error MESSAGE) instead of an `-error' reply."
  (condition-case err
      (funcall thunk)
    (error (list :error (error-message-string err)))))

(defun orgdispatch--buffer (file)
  "The buffer visiting FILE (relative to the home directory), visiting it if none does.
An unmodified buffer whose file changed on disk is reverted first; a modified one is
refused, as saving it would overwrite the change on disk."
  (let* ((path (expand-file-name file "~"))
         (buffer (or (find-buffer-visiting path)
                     (if (file-exists-p path)
                         (let ((inhibit-message t)) (find-file-noselect path))
                       (error "%s does not exist" path)))))
    (with-current-buffer buffer
      (unless (verify-visited-file-modtime buffer)
        (if (buffer-modified-p)
            (error "%s changed on disk while its buffer has unsaved changes; save or revert it in Emacs" path)
          (let ((inhibit-message t)) (revert-buffer t t t))))
      (unless orgdispatch--buffer-serial
        (setq orgdispatch--buffer-serial (setq orgdispatch--serial (1+ orgdispatch--serial)))))
    buffer))

(defun orgdispatch--version ()
  "The current buffer's version: this Emacs, this buffer, its text's modification count."
  (format "%d.%d.%d" (emacs-pid) orgdispatch--buffer-serial (buffer-chars-modified-tick)))

(defun orgdispatch--decode (base64)
  (decode-coding-string (base64-decode-string base64) 'utf-8-unix t))

(defun orgdispatch--text ()
  "The current buffer's whole text (ignoring narrowing), as base64 of UTF-8."
  (save-restriction
    (widen)
    (base64-encode-string
     (encode-coding-string (buffer-substring-no-properties (point-min) (point-max)) 'utf-8-unix t)
     t)))

(defun orgdispatch-read (file known-version)
  "Return (:version V :text BASE64) for FILE's buffer, whole, or (:version V) if V is KNOWN-VERSION."
  (orgdispatch--guard
   (lambda ()
     (with-current-buffer (orgdispatch--buffer file)
       (let ((version (orgdispatch--version)))
         (if (equal version known-version)
             (list :version version)
           (list :version version :text (orgdispatch--text))))))))

(defun orgdispatch--replace (start end text)
  "Replace START..END with TEXT, keeping point and window points where they were."
  (if (= start end)
      (save-excursion (goto-char start) (insert text))
    ;; Unlike delete and insert, this keeps every marker (point, window-point) in place, even
    ;; inside the replaced text, by changing only the characters that differ.
    (replace-region-contents start end (lambda () text))))

(defun orgdispatch-apply (file version edits save)
  "Apply EDITS to FILE's buffer if its version is still VERSION, then save it if SAVE.
EDITS is a list of (START END OLD NEW), sorted by START and not overlapping: character
positions (END exclusive), the base64 text expected there and its replacement.  Returns
\(:version NEW-VERSION :saved SAVED), or (:conflict CURRENT-VERSION :text BASE64) and
changes nothing: the current text comes along, so the caller can decide again at once."
  (orgdispatch--guard
   (lambda ()
     (with-current-buffer (orgdispatch--buffer file)
       (if (not (equal (orgdispatch--version) version))
           (list :conflict (orgdispatch--version) :text (orgdispatch--text))
         (save-restriction
           (widen)
           ;; Check every edit before making any: all or nothing.
           (dolist (edit edits)
             (let ((start (nth 0 edit)) (end (nth 1 edit)))
               (unless (and (<= (point-min) start end (point-max))
                            (string= (buffer-substring-no-properties start end) (orgdispatch--decode (nth 2 edit))))
                 (error "The text at %d..%d is not what OrgDispatch read; nothing was changed" start end))))
           ;; One change group: the person's C-/ takes back the whole change at once (replacing
           ;; text goes through a temporary buffer, which would otherwise split it into several).
           ;; If an edit fails halfway, the group is cancelled: the edits made are undone.
           (let ((group (prepare-change-group))
                 (done nil))
             (undo-boundary)
             (activate-change-group group)
             (unwind-protect
                 (progn
                   (dolist (edit (reverse edits))
                     (orgdispatch--replace (nth 0 edit) (nth 1 edit) (orgdispatch--decode (nth 3 edit))))
                   (setq done t))
               (if done
                   (progn (undo-amalgamate-change-group group) (accept-change-group group))
                 (cancel-change-group group)))
             (undo-boundary)))
         (let ((version (orgdispatch--version)))
           (when (and save (buffer-modified-p))
             (let ((save-silently t) (inhibit-message t)) (save-buffer)))
           (list :version version :saved (not (buffer-modified-p)))))))))

(defun orgdispatch-save (file)
  "Save FILE's buffer if it has unsaved changes."
  (orgdispatch--guard
   (lambda ()
     (with-current-buffer (orgdispatch--buffer file)
       (when (buffer-modified-p)
         (let ((save-silently t) (inhibit-message t)) (save-buffer)))
       (list :version (orgdispatch--version) :saved t)))))

;;; A faster way in.  The server protocol makes a new client for every evaluation (a process
;;; object, `pp', teardown: a third of a millisecond or more).  OrgDispatch asks for this small
;;; private server once, beside the Emacs server's own socket (same private folder), and then
;;; sends its requests over one lasting connection.  Frames are six hex digits giving the length
;;; in characters, then the text: a form in, and a reply out whose first character says V (the
;;; printed value follows) or E (an error message follows).  Each request is read and answered
;;; inside the process filter, which never waits, so it is as atomic as a server evaluation.

(defvar orgdispatch--channel nil
  "OrgDispatch's private server process, once started.")

(defun orgdispatch--channel-filter (proc string)
  "Answer every whole request that has arrived on PROC; keep the rest for later."
  (let ((pending (concat (or (process-get proc 'orgdispatch-pending) "") string))
        length)
    (while (and (>= (length pending) 6)
                (setq length (string-to-number (substring pending 0 6) 16))
                (>= (length pending) (+ 6 length)))
      (let* ((form (substring pending 6 (+ 6 length)))
             (reply (condition-case err
                        (concat "V" (prin1-to-string (eval (car (read-from-string form)) t)))
                      (error (concat "E" (error-message-string err))))))
        (setq pending (substring pending (+ 6 length)))
        (process-send-string proc (format "%06X%s" (length reply) reply))))
    (process-put proc 'orgdispatch-pending pending)))

(defun orgdispatch-channel ()
  "Start OrgDispatch's private server (once) and return its socket's path.
The socket goes in the folder of the Emacs server's own socket, which server.el keeps private.
Nil when this Emacs serves over TCP."
  (let* ((server (and (boundp 'server-process) (processp server-process) server-process))
         (socket (and server (process-contact server :local)))
         (path (and (stringp socket)
                    (expand-file-name (format "orgdispatch-%d" (emacs-pid)) (file-name-directory socket)))))
    (when path
      (unless (and (process-live-p orgdispatch--channel) (file-exists-p path))
        (when orgdispatch--channel (delete-process orgdispatch--channel))
        (ignore-errors (delete-file path))
        (setq orgdispatch--channel
              (make-network-process :name "orgdispatch" :family 'local :service path :server 128
                                    :noquery t :coding 'utf-8-unix
                                    :filter #'orgdispatch--channel-filter))
        (set-file-modes path #o600))
      path)))

;;; The same channel on a loopback TCP port, for a client that reaches this host through SSH but
;;; cannot forward a Unix socket (SSH.NET: direct-tcpip only).  Any local user can connect to a
;;; port, so a connection must first present a key: 256 random bits made here and handed out
;;; only as the answer to a server evaluation (which only this user can make), good for one
;;; connection within a minute.  The key never appears on a command line.

(defvar orgdispatch--tcp-channel nil
  "OrgDispatch's private loopback TCP server process, once started.")

(defvar orgdispatch--tcp-keys nil
  "Keys handed out by `orgdispatch-channel-tcp' and not yet presented: (KEY . EXPIRY) pairs.")

(defun orgdispatch--random-key ()
  "64 hex digits from 32 bytes of /dev/urandom."
  (with-temp-buffer
    (set-buffer-multibyte nil)
    (let ((status (call-process "head" "/dev/urandom" t nil "-c" "32")))
      (unless (and (eq status 0) (= (buffer-size) 32))
        (error "Cannot read 32 random bytes from /dev/urandom for OrgDispatch's channel key")))
    (secure-hash 'sha256 (current-buffer))))

(defun orgdispatch--tcp-filter (proc string)
  "Let PROC in if its first frame is a key handed out, unused and unexpired; else close it."
  (let ((pending (concat (or (process-get proc 'orgdispatch-pending) "") string)))
    (if (< (length pending) 6)
        (process-put proc 'orgdispatch-pending pending)
      (let* ((length (string-to-number (substring pending 0 6) 16))
             (key (and (= length 64) (>= (length pending) 70) (substring pending 6 70)))
             (entry (and key (assoc key orgdispatch--tcp-keys))))
        (cond
         ((/= length 64) (delete-process proc))
         ((< (length pending) 70) (process-put proc 'orgdispatch-pending pending))
         ((not (and entry (> (cdr entry) (float-time)))) (delete-process proc))
         (t
          (setq orgdispatch--tcp-keys (delq entry orgdispatch--tcp-keys))
          (process-put proc 'orgdispatch-pending nil)
          (set-process-filter proc #'orgdispatch--channel-filter)
          (orgdispatch--channel-filter proc (substring pending 70))))))))

(defun orgdispatch-channel-tcp ()
  "Start OrgDispatch's private server on 127.0.0.1 (once); return (PORT KEY), KEY good for one connection."
  (unless (process-live-p orgdispatch--tcp-channel)
    (setq orgdispatch--tcp-keys nil
          orgdispatch--tcp-channel
          (make-network-process :name "orgdispatch-tcp" :host "127.0.0.1" :family 'ipv4 :service t
                                :server 128 :noquery t :coding 'utf-8-unix
                                :filter #'orgdispatch--tcp-filter)))
  (let ((now (float-time))
        (key (orgdispatch--random-key)))
    (setq orgdispatch--tcp-keys (seq-filter (lambda (entry) (> (cdr entry) now)) orgdispatch--tcp-keys))
    (push (cons key (+ now 60)) orgdispatch--tcp-keys)
    (list (process-contact orgdispatch--tcp-channel :service) key)))

;;; orgdispatch.el ends here
