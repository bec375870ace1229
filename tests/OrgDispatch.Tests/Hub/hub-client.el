;;; hub-client.el --- A Harness Communication peer written with Emacs's own printer and reader  -*- lexical-binding: t -*-
;;
;; emacs -Q --batch -l hub-client.el PORT
;; Connects to the hub on 127.0.0.1:PORT, sends two framed requests built with `prin1-to-string'
;; and framed by `length' (characters), reads frames back by character count with `read', and
;; prints what it got as one s-expression on stdout.

(require 'cl-lib)

(defvar hub-port (string-to-number (car command-line-args-left)))
(defvar hub-messages nil "Messages read from the hub, oldest first.")

(defun hub-send (proc message)
  (let ((text (prin1-to-string message)))
    (process-send-string proc (format "%06X%s" (length text) text))))

(defun hub-take-frames (buffer)
  "Move every complete frame at the start of BUFFER into `hub-messages'."
  (with-current-buffer buffer
    (let (done)
      (while (and (not done) (>= (buffer-size) 6))
        (let ((len (string-to-number (buffer-substring (point-min) (+ (point-min) 6)) 16)))
          (if (< (- (buffer-size) 6) len)
              (setq done t)
            (let ((text (buffer-substring (+ (point-min) 6) (+ (point-min) 6 len))))
              (delete-region (point-min) (+ (point-min) 6 len))
              (setq hub-messages (append hub-messages (list (car (read-from-string text))))))))))))

(defun hub-find (type id)
  (cl-find-if (lambda (m) (and (eq (plist-get m :type) type) (equal (plist-get m :id) id))) hub-messages))

(defun hub-find-event (name)
  (cl-find-if (lambda (m) (and (eq (plist-get m :type) :event)
                               (equal (plist-get (plist-get m :payload) :event) name)))
              hub-messages))

(let* ((buffer (generate-new-buffer " *hub*"))
       (proc (open-network-stream "hub" buffer "127.0.0.1" hub-port :coding 'utf-8-unix))
       (note (concat "line one\nsay \"hi\" \\ back " (string #x1F600) " caf" (string #xE9))))
  (set-process-query-on-exit-flag proc nil)
  (hub-send proc '(:type :request :id 1 :payload (:op "claim" :task "TASK-0001" :agent "émacs" :lease 600)))
  (hub-send proc `(:type :request :id 2 :payload (:op "append" :agent "émacs" :message ,note)))
  (let ((deadline (+ (float-time) 20)))
    (while (and (< (float-time) deadline)
                (not (and (hub-find :response 1) (hub-find :response 2) (hub-find-event "claimed"))))
      (accept-process-output proc 0.1)
      (hub-take-frames buffer)))
  (let* ((claim (plist-get (hub-find :response 1) :payload))
         (task (plist-get (plist-get claim :result) :task))
         (event (plist-get (hub-find-event "claimed") :payload)))
    (setq coding-system-for-write 'utf-8-unix)
    (princ (prin1-to-string
            (list :claim-ok (plist-get claim :ok)
                  :outcome (plist-get (plist-get claim :result) :outcome)
                  :title (plist-get task :title)
                  :title-length (length (plist-get task :title))
                  :holder (plist-get task :claimed-by)
                  :append-ok (plist-get (plist-get (hub-find :response 2) :payload) :ok)
                  :event (plist-get event :event)
                  :event-task (plist-get event :task-id)
                  :event-agent (plist-get event :agent)
                  :note note)))
    (terpri)
    (delete-process proc)))
