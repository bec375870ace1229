;;; tree.el --- org-element's whole parse tree of a file, as JSON  -*- lexical-binding: t -*-
;;
;; The referee for `org-dispatch parse --json'.  Usage:
;;   emacs -Q --batch -l tree.el FILE OUT.json
;; Reads FILE as UTF-8 (line ends detected as Emacs does, a leading BOM dropped), parses it with
;; `org-element-parse-buffer' (objects included) and writes the tree: one object per node with
;; type, begin, end, contents_begin, contents_end, post_blank, properties and children.  Plain
;; text is {"type": "plain-text", "value": ...}, since org-element gives strings no positions.
;; Everything comes from org-element; this file only translates its tree to JSON.

(require 'org)
(require 'org-element)
(require 'json)

(defun od--clean (s)
  "S without text properties, each raw byte (invalid UTF-8) replaced by U+FFFD."
  (when s
    (let ((s (substring-no-properties s)))
      (apply #'string (mapcar (lambda (c) (if (eq (char-charset c) 'eight-bit) #xFFFD c)) s)))))

(defun od--or-null (v) (if v v :null))
(defun od--string (s) (if s (od--clean s) :null))

(defun od--secondary (objects)
  "A secondary string (a headline's title, an item's tag) as an array of nodes."
  (vconcat (mapcar #'od--node objects)))

(defconst od--timestamp-fields
  '(:year-start :month-start :day-start :hour-start :minute-start
    :year-end :month-end :day-end :hour-end :minute-end))

(defun od--properties (node)
  (let ((p (make-hash-table :test 'equal))
        (type (org-element-type node)))
    (pcase type
      ('headline
       (puthash "raw-value" (od--string (org-element-property :raw-value node)) p)
       (puthash "level" (org-element-property :level node) p)
       (puthash "todo-keyword" (od--string (org-element-property :todo-keyword node)) p)
       (let ((prio (org-element-property :priority node)))
         (puthash "priority" (if prio (od--clean (string prio)) :null) p))
       (puthash "tags" (vconcat (mapcar #'od--clean (org-element-property :tags node))) p)
       (puthash "title" (od--secondary (org-element-property :title node)) p))
      ('keyword
       (puthash "key" (od--string (org-element-property :key node)) p)
       (puthash "value" (od--string (org-element-property :value node)) p))
      ('src-block
       (puthash "language" (od--string (org-element-property :language node)) p)
       (puthash "parameters" (od--string (org-element-property :parameters node)) p)
       (puthash "value" (od--string (org-element-property :value node)) p))
      ('link
       (puthash "type" (od--string (org-element-property :type node)) p)
       (puthash "path" (od--string (org-element-property :path node)) p)
       (puthash "raw-link" (od--string (org-element-property :raw-link node)) p))
      ('timestamp
       (puthash "type" (symbol-name (org-element-property :type node)) p)
       (puthash "raw-value" (od--string (org-element-property :raw-value node)) p)
       (dolist (f od--timestamp-fields)
         (puthash (substring (symbol-name f) 1) (od--or-null (org-element-property f node)) p)))
      ('item
       (puthash "bullet" (od--string (org-element-property :bullet node)) p)
       (let ((box (org-element-property :checkbox node)))
         (puthash "checkbox" (if box (symbol-name box) :null) p))
       (puthash "counter" (od--or-null (org-element-property :counter node)) p)
       (let ((tag (org-element-property :tag node)))
         (puthash "tag" (if tag (od--secondary tag) :null) p)))
      ('plain-list
       (puthash "type" (symbol-name (org-element-property :type node)) p))
      ('node-property
       (puthash "key" (od--string (org-element-property :key node)) p)
       (puthash "value" (od--string (org-element-property :value node)) p))
      ('drawer
       (puthash "drawer-name" (od--string (org-element-property :drawer-name node)) p))
      ((or 'special-block 'export-block)
       (puthash "type" (od--string (org-element-property :type node)) p))
      ((or 'code 'verbatim 'statistics-cookie 'latex-fragment 'target)
       (puthash "value" (od--string (org-element-property :value node)) p))
      ('entity
       (puthash "name" (od--string (org-element-property :name node)) p))
      ('macro
       (puthash "key" (od--string (org-element-property :key node)) p))
      ('export-snippet
       (puthash "back-end" (od--string (org-element-property :back-end node)) p)
       (puthash "value" (od--string (org-element-property :value node)) p))
      ('inline-src-block
       (puthash "language" (od--string (org-element-property :language node)) p)
       (puthash "value" (od--string (org-element-property :value node)) p))
      ('citation
       (puthash "style" (od--string (org-element-property :style node)) p))
      ('citation-reference
       (puthash "key" (od--string (org-element-property :key node)) p))
      ('footnote-definition
       (puthash "label" (od--string (org-element-property :label node)) p))
      ('footnote-reference
       (puthash "label" (od--string (org-element-property :label node)) p)
       (puthash "type" (symbol-name (org-element-property :type node)) p)))
    p))

(defun od--node (node)
  (if (stringp node)
      (let ((o (make-hash-table :test 'equal)))
        (puthash "type" "plain-text" o)
        (puthash "value" (od--clean node) o)
        o)
    (let ((o (make-hash-table :test 'equal)))
      (puthash "type" (symbol-name (org-element-type node)) o)
      (puthash "begin" (org-element-property :begin node) o)
      (puthash "end" (org-element-property :end node) o)
      (puthash "contents_begin" (od--or-null (org-element-property :contents-begin node)) o)
      (puthash "contents_end" (od--or-null (org-element-property :contents-end node)) o)
      (puthash "post_blank" (or (org-element-property :post-blank node) 0) o)
      (puthash "properties" (od--properties node) o)
      (puthash "children" (vconcat (mapcar #'od--node (org-element-contents node))) o)
      o)))

(let* ((file (nth 0 command-line-args-left))
       (out (nth 1 command-line-args-left))
       tree)
  (setq command-line-args-left nil)
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8)) (insert-file-contents file))
    (goto-char (point-min))
    (when (eq (char-after) #xFEFF) (delete-char 1))
    (org-mode)
    (let ((data (org-element-parse-buffer)))
      (setq tree (od--node data))
      ;; org-data has no positions of its own in Org 9.5: it spans the buffer.
      (puthash "begin" (point-min) tree)
      (puthash "end" (point-max) tree)))
  (with-temp-file out
    (set-buffer-file-coding-system 'utf-8-unix)
    (insert (json-serialize tree :null-object :null :false-object :false))))
