;;; outline.el --- org-element's view of a file's headlines, as JSON  -*- lexical-binding: t -*-
;;
;; The referee for `org-dispatch outline --json'.  Usage:
;;   emacs -Q --batch -l outline.el FILE OUT.json [SEQUENCE]...
;; Reads FILE as UTF-8 with CRLF line ends decoded and a leading BOM dropped, parses it with
;; org-element, and writes one object per headline.  Everything comes from org-element's own
;; parse tree; this file only translates it to JSON.

(require 'org)
(require 'org-element)
(require 'json)

(defun od--clean (s)
  "S with each raw byte (an invalid UTF-8 byte) replaced by U+FFFD."
  (when s
    (let ((s (substring-no-properties s)))
      (apply #'string (mapcar (lambda (c) (if (eq (char-charset c) 'eight-bit) #xFFFD c)) s)))))

(defun od--ts (ts) (if ts (od--clean (org-element-property :raw-value ts)) :null))

(defun od--properties (headline)
  "The first property drawer of HEADLINE's section, as org-element parses it."
  (let ((table (make-hash-table :test 'equal))
        (section (car (org-element-contents headline))))
    (when (eq (org-element-type section) 'section)
      (let ((children (org-element-contents section)))
        (when (eq (org-element-type (car children)) 'planning) (setq children (cdr children)))
        (when (eq (org-element-type (car children)) 'property-drawer)
          (dolist (p (org-element-contents (car children)))
            (when (eq (org-element-type p) 'node-property)
              (puthash (od--clean (org-element-property :key p))
                       (od--clean (or (org-element-property :value p) ""))
                       table))))))
    table))

(let* ((file (nth 0 command-line-args-left))
       (out (nth 1 command-line-args-left))
       (seqs (nthcdr 2 command-line-args-left))
       (org-todo-keywords (if seqs
                              (mapcar (lambda (s) (cons 'sequence (split-string s))) seqs)
                            org-todo-keywords))
       (result nil))
  (setq command-line-args-left nil)
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8-dos)) (insert-file-contents file))
    (goto-char (point-min))
    (when (eq (char-after) #xFEFF) (delete-char 1))
    (org-mode)
    (org-element-map (org-element-parse-buffer 'element) 'headline
      (lambda (h)
        (let ((obj (make-hash-table :test 'equal))
              (prio (org-element-property :priority h)))
          (puthash "line" (line-number-at-pos (org-element-property :begin h)) obj)
          (puthash "level" (org-element-property :level h) obj)
          (puthash "todo" (or (od--clean (org-element-property :todo-keyword h)) :null) obj)
          (puthash "priority" (if prio (od--clean (string prio)) :null) obj)
          (puthash "title" (od--clean (org-element-property :raw-value h)) obj)
          (puthash "tags" (vconcat (mapcar #'od--clean (org-element-property :tags h))) obj)
          (puthash "commented" (if (org-element-property :commentedp h) t :false) obj)
          (puthash "archived" (if (org-element-property :archivedp h) t :false) obj)
          (puthash "scheduled" (od--ts (org-element-property :scheduled h)) obj)
          (puthash "deadline" (od--ts (org-element-property :deadline h)) obj)
          (puthash "closed" (od--ts (org-element-property :closed h)) obj)
          (puthash "properties" (od--properties h) obj)
          (push obj result)))))
  (with-temp-file out
    (set-buffer-file-coding-system 'utf-8-unix)
    (insert (json-serialize (vconcat (nreverse result)) :null-object :null :false-object :false))))
