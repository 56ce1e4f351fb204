// Permanence: what the pages need on top of GOV.UK Frontend's own scripts.
//
// Wide content scrolls inside its own box, so no page scrolls sideways on a
// tablet or a phone (WCAG 1.4.10, Reflow): every GOV.UK table and the child's
// timeline picture is put in a `.app-scroll` box (`overflow-x: auto`, in
// app.scss). While a box really scrolls it is a keyboard-focusable region named
// after its table's caption (or the heading above it), so it can be scrolled
// with the arrow keys; when everything fits it is a plain box with no tab stop.
// Without this script, app.scss lets narrow screens scroll each table by itself.
//
// It also starts GOV.UK Frontend's components and gives `data-app-print`
// buttons their action: no page has an inline event handler, and no inline
// script but GOV.UK's body-class snippet (with the response's nonce), which
// the Content-Security-Policy would refuse.
//
// Copied to static/build/app.js by `npm run build`.

import { initAll } from './govuk-frontend.min.js'

const WIDE = 'table.govuk-table, .app-timeline > svg'
let count = 0

function idOf (element) {
  if (!element.id) {
    count += 1
    element.id = `app-scroll-label-${count}`
  }
  return element.id
}

// The caption of a table, the title of a picture, or else the nearest heading
// before the box.
function labelFor (box) {
  const own = box.firstElementChild.querySelector(':scope > caption, :scope > title')
  if (own && own.textContent.trim()) return own
  for (let node = box; node && node !== document.body; node = node.parentElement) {
    for (let before = node.previousElementSibling; before; before = before.previousElementSibling) {
      const heading = before.matches('h1, h2, h3, h4') ? before : before.querySelector('h1, h2, h3, h4')
      if (heading && heading.textContent.trim()) return heading
    }
  }
  return null
}

function update (box) {
  const scrolls = box.scrollWidth > box.clientWidth + 1
  if (scrolls && !box.hasAttribute('tabindex')) {
    const label = labelFor(box)
    box.setAttribute('role', 'region')
    box.setAttribute('tabindex', '0')
    if (label) {
      box.setAttribute('aria-labelledby', idOf(label))
    } else {
      box.setAttribute('aria-label', 'Table')
    }
  } else if (!scrolls && box.hasAttribute('tabindex')) {
    for (const name of ['role', 'tabindex', 'aria-labelledby', 'aria-label']) box.removeAttribute(name)
  }
}

export function initScrollBoxes (root = document) {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) update(entry.target.closest('.app-scroll'))
  })
  for (const wide of root.querySelectorAll(WIDE)) {
    if (wide.parentElement.classList.contains('app-scroll')) continue
    const box = document.createElement('div')
    box.className = 'app-scroll'
    wide.before(box)
    box.append(wide)
    update(box)
    observer.observe(box)
    observer.observe(wide)
  }
}

export function initPrintButtons (root = document) {
  for (const button of root.querySelectorAll('[data-app-print]')) {
    button.addEventListener('click', () => window.print())
  }
}

initAll()
initScrollBoxes()
initPrintButtons()
