;;; dispatch-check.el --- What Org itself thinks of a file the queue wrote.  -*- lexical-binding: t -*-
;; Usage: emacs -Q --batch -l dispatch-check.el FILE
;; Prints every org-lint report as "LINT <line> <message>", then one line per headline with a
;; TODO keyword: "TASK <id> <keyword> <claimed-by or -> <closed or -> <logbook items>".
(require 'org)
(require 'org-lint)
(require 'org-element)
(let ((file (car command-line-args-left)))
  (with-temp-buffer
    (insert-file-contents file)
    (let ((org-todo-keywords '((sequence "TODO" "|" "DONE"))))
      (org-mode)
      (dolist (r (org-lint))
        (princ (format "LINT %s %s\n" (aref (cadr r) 0) (aref (cadr r) 2))))
      (org-element-map (org-element-parse-buffer) 'headline
        (lambda (h)
          (when (org-element-property :todo-keyword h)
            (goto-char (org-element-property :begin h))
            (let ((logbook 0))
              (org-element-map h 'drawer
                (lambda (d)
                  (when (equal (org-element-property :drawer-name d) "LOGBOOK")
                    (setq logbook (length (org-element-map d 'item #'identity nil nil 'item))))))
              (princ (format "TASK %s %s %s %s %d\n"
                             (org-entry-get nil "ID")
                             (org-element-property :todo-keyword h)
                             (or (org-entry-get nil "CLAIMED_BY") "-")
                             (if (org-element-property :closed h) "closed" "-")
                             logbook)))))))))
