;; usage: emacs -Q --batch -l html.el FILE OUT
;; ox-html's body (no table of contents), made robust for files taken out of their project:
;; #+SETUPFILE lines are dropped, macros left unexpanded, broken links tolerated.
(require 'ox-html)
(let ((file (expand-file-name (nth 0 command-line-args-left))) (out (expand-file-name (nth 1 command-line-args-left))))
  (setq command-line-args-left nil)
  (with-temp-buffer
    (let ((coding-system-for-read 'utf-8)) (insert-file-contents file))
    (goto-char (point-min))
    (while (re-search-forward "^[ \t]*#\\+\\(?:SETUPFILE\\|INCLUDE\\):.*\n?" nil t) (replace-match ""))
    (setq default-directory (file-name-directory (expand-file-name file)))
    (org-mode)
    (advice-add 'org-macro-replace-all :override #'ignore)
    (setq org-export-with-toc nil
          org-export-with-broken-links t
          org-export-use-babel nil
          org-html-htmlize-output-type nil)
    (let ((html (org-export-as 'html nil nil t)))
      (with-temp-file out
        (set-buffer-file-coding-system 'utf-8-unix)
        (insert html)))))
